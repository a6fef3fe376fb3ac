# syntax=docker/dockerfile:1
# mail-reputation-exporter: build the TypeScript in one stage, run the compiled
# JavaScript with production dependencies only, as the unprivileged `node` user.
#   docker build -t mail-reputation-exporter .
#   docker run -p 9798:9798 -v /var/log:/host/var/log:ro --group-add 4 mail-reputation-exporter

FROM node:20.20.2-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p tsconfig.json && npm prune --omit=dev --no-audit --no-fund

FROM node:20.20.2-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY examples ./examples
# Read positions of the followed logs (mail.sources[].state_file) live here; a
# named volume mounted on it inherits the ownership.
RUN mkdir -p /etc/mail-reputation-exporter /var/lib/mail-reputation-exporter \
 && cp examples/mail-reputation-exporter.yml /etc/mail-reputation-exporter/mail-reputation-exporter.yml \
 && chown node:node /var/lib/mail-reputation-exporter
USER node
EXPOSE 9798
# Over HTTP and HTTPS (a web config may turn TLS on); /-/healthy stays open
# with basic auth. Pass host:port if --web.listen-address moves the port.
HEALTHCHECK --interval=30s --timeout=5s CMD ["node", "dist/src/healthcheck.js", "127.0.0.1:9798"]
ENTRYPOINT ["node", "dist/src/main.js"]
CMD ["--config.file=/etc/mail-reputation-exporter/mail-reputation-exporter.yml"]
