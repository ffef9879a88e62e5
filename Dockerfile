# One image for both agents and the migration job; the command chooses which runs:
#   node dist/apps/write-agent/src/main.js   (the default)
#   node dist/apps/read-agent/src/main.js
#   node dist/scripts/migrate.js
# The processes are started with `node`, not `npm run`: `npm run migrate` would rebuild
# first (premigrate), and npm in front of node only adds a process between the signal
# and the app.
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
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
# The `node` user (uid 1000) comes with the official node images; the files above stay
# owned by root, so the app cannot modify its own code.
USER node
EXPOSE 3000 3001
# No HEALTHCHECK here: the same image runs the one-shot migration, which serves no HTTP.
# docker-compose.yml and the Kubernetes probes check /health/ready and /health/live.
CMD ["node", "dist/apps/write-agent/src/main.js"]
