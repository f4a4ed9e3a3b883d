# monitor/: rules of this part (see Makefile.am)
