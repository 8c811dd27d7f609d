// Jest's module runtime cannot require() an ES module; @fastify/static (Swagger UI's assets on
// Fastify) requires content-disposition 3, which is one. Under Jest only, the CommonJS v2 already
// installed stands in: the same `create` and `parse`.
module.exports = require('../../../node_modules/content-disposition/dist/index.js');
