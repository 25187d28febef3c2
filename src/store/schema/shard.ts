/** shard tables. Only the shard stage writes them. */
export const SHARD_SCHEMA = `
`;
