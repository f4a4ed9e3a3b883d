# engine/: rules of this part (see Makefile.am)
