# sluice controller image. Node 24 runs the TypeScript sources directly (type stripping), so there is no
# build stage: the image holds the production dependencies, src/ and the CRDs.
# test/deploy/dockerfile.test.ts performs these steps in a clean directory (no container engine needed) and
# starts the controller from the result against the sandbox API server.
FROM node:24-slim
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="sluice" \
      org.opencontainers.image.description="Progressive delivery (canary and blue-green) controller for Kubernetes" \
      org.opencontainers.image.source="https://github.com/sluice-dev/sluice" \
      org.opencontainers.image.documentation="https://github.com/sluice-dev/sluice#readme" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.vendor="sluice" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/node:24-slim"
WORKDIR /app
ENV NODE_ENV=production
# The controller's memory profile (bench/scale.ts, 10,000 Rollouts through three canary cycles: 636 MiB RSS with
# V8's defaults, 441 MiB with these): 16 MiB semi-spaces (the young generation grew to 128 MiB with the defaults),
# and an old generation bounded to what the caches need. deploy/base/controller-deployment.yaml sets the same.
ENV NODE_OPTIONS="--max-old-space-size=320 --max-semi-space-size=16"
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY src ./src
COPY crds ./crds
# Non-root, and nothing is written at run time: the Deployment can set readOnlyRootFilesystem: true.
USER node
ENTRYPOINT ["node", "/app/src/cli/bin.ts"]
CMD ["controller"]
