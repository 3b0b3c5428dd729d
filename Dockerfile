# sluice controller image. Node 24 runs the TypeScript sources directly (type stripping), so there is no
# build stage: the image holds the production dependencies, src/ and the CRDs.
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY src ./src
COPY crds ./crds
# Non-root, and nothing is written at run time: the Deployment can set readOnlyRootFilesystem: true.
USER node
ENTRYPOINT ["node", "/app/src/cli/bin.ts"]
CMD ["controller"]
