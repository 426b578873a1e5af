# ModelWatch backend image. Also the path for older hosts (glibc < 2.28, e.g. CentOS 7):
# Node.js 24 runs inside the container.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc tsconfig.base.json ./
COPY backend/package.json backend/
RUN npm ci --workspace backend --include-workspace-root=false
COPY backend backend
RUN npm run build --workspace backend && npm prune --omit=dev --workspace backend

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    MODELWATCH_HOST=0.0.0.0 \
    MODELWATCH_PORT=8080 \
    MODELWATCH_DATA_DIR=/var/lib/modelwatch
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/backend/package.json backend/package.json
COPY --from=build /app/backend/dist backend/dist
COPY --from=build /app/backend/node_modules backend/node_modules
RUN mkdir -p /var/lib/modelwatch && chown node:node /var/lib/modelwatch
USER node
VOLUME /var/lib/modelwatch
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "backend/dist/cli/main.js", "serve"]
