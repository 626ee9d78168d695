# The meshlb image: one executable for every process (agent, operator, clustermesh-apiserver,
# CLI). Build: docker build -t meshlb/meshlb:0.1.0 .
FROM node:20-slim AS build
# python3/make/g++ build the bpf(2) addon; without them `npm ci` still succeeds and the agent
# falls back to bpftool, which the runtime image then needs instead.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/meshlb
COPY . .
# `npm ci` runs `prepare`: the native addon and the TypeScript build into dist/. The Release
# directory exists even when the addon could not be built, so the copy below never fails.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev && mkdir -p native/build/Release

FROM node:20-slim
# bpftool: fallback map writer and `meshlb bpf` inspection on nodes.
RUN apt-get update && apt-get install -y --no-install-recommends bpftool \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/meshlb
COPY --from=build /opt/meshlb/package.json ./
COPY --from=build /opt/meshlb/node_modules ./node_modules
COPY --from=build /opt/meshlb/dist ./dist
COPY --from=build /opt/meshlb/bin ./bin
COPY --from=build /opt/meshlb/native/build/Release ./native/build/Release
# The sandbox API server and `clustermesh enable` read manifests from here.
COPY --from=build /opt/meshlb/deploy ./deploy
RUN ln -s /opt/meshlb/bin/meshlb /usr/local/bin/meshlb
ENTRYPOINT ["meshlb"]
CMD ["--help"]
