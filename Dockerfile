# syntax=docker/dockerfile:1
# One image for the API, the worker and the migration job; the command picks the role.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=optional
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY clients ./clients
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev --omit=optional

FROM node:20-bookworm-slim
# MALLOC_ARENA_MAX=2: the worker's native threads otherwise fragment memory across many glibc arenas;
# with 10,000 deliveries parked in backoff it took RSS from 472 MB to 368 MB (BENCHMARKS.md).
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
# `npx temporal-webhooks` runs the compiled CLI here (dev dependencies such as tsx are pruned).
COPY bin ./bin
USER node
EXPOSE 3000
CMD ["node", "dist/src/api/server.js"]
