// Jest's module runtime cannot require() an ES module; @fastify/static (Swagger UI's assets on
// Fastify) requires content-disposition 3, which is one, and calls it only for reply.download(),
// which corral never uses. Under Jest only, this stands in.
const unavailable = () => {
  throw new Error('content-disposition is not available under Jest');
};
module.exports = { create: unavailable, parse: unavailable };
