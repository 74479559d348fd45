/** This package's own name and version (the compat layer keeps the current package's). */
export const PACKAGE_NAME = 'langgraph-no';
export const PACKAGE_VERSION = '0.1.0';
