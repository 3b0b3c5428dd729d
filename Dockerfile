# sluice controller image. Node 24 runs the TypeScript sources directly (type stripping), so there is no
# build stage: the image holds the production dependencies, src/ and the CRDs.
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
# The controller's memory profile (bench/scale.ts, 10,000 Rollouts through three canary cycles: 636 MiB RSS with
# V8's defaults, under 400 MiB with these): 16 MiB semi-spaces (the young generation grew to 128 MiB with the defaults), and
# an old generation bounded to what the caches need. deploy/base/controller-deployment.yaml sets the same.
ENV NODE_OPTIONS="--max-old-space-size=320 --max-semi-space-size=16"
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY src ./src
COPY crds ./crds
# Non-root, and nothing is written at run time: the Deployment can set readOnlyRootFilesystem: true.
USER node
ENTRYPOINT ["node", "/app/src/cli/bin.ts"]
CMD ["controller"]
