/** Section-name classes shared by the attribution and the sparse ELF reader. */

/** Sections holding Go data (read-only data, pointer-free and pointer data, type and funcdata groups). */
export const DATA_SECTION = /(rodata|noptrdata|^\.data$|\.data\.rel\.ro$|__data$|__noptrdata$|__rodata$|^\.rdata$|go\.type|go\.func)/;
