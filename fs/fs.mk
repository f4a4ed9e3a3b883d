# fs/: rules of this part (see Makefile.am)
