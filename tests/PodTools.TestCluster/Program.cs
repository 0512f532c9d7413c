// Placeholder entry point; the test cluster host replaces this.
return 0;
