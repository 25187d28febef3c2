/** filter tables. Only the filter stage writes them. */
export const FILTER_SCHEMA = `
`;
