// Jest only (see content-disposition.cjs): @fastify/static requires glob 14, an ES module, and calls
// it only for `wildcard: false`, which Swagger UI's registration does not use.
module.exports = {
  glob: () => Promise.reject(new Error('glob is not available under Jest')),
};
