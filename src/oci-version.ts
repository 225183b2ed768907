/** The runtime-spec version ocirt implements, and writes in states, hook states and configs. */
export const OCI_VERSION = '1.3.0';
