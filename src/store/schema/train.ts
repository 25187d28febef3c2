/** train tables. Only the train stage writes them. */
export const TRAIN_SCHEMA = `
`;
