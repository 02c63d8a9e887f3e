# syntax=docker/dockerfile:1
# Orca as a container: a static orca binary (pure Go: SQLite included, the
# time zone database compiled in) on a distroless image, run as the
# unprivileged user nonroot (65532), its data (the embedded NATS store, the
# reporting outbox, the Info Mart database) on the volume /data.
#
#   docker build -t orca .
#   docker run --rm -p 127.0.0.1:8080:8080 -e ORCA_API_TOKEN=... -v orca-data:/data orca
#
# "orca version" in the image names the commit it was built from when the
# build context is a git checkout.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN vcs=false; if git rev-parse --git-dir >/dev/null 2>&1; then vcs=true; fi; \
    CGO_ENABLED=0 go build -trimpath -buildvcs=$vcs -tags timetzdata -ldflags=-s -o /out/orca ./cmd/orca \
    && mkdir /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/orca /orca
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/orca"]
# Beyond loopback orca serve requires credentials: ORCA_API_TOKEN (or
# ORCA_API_USER and ORCA_API_PASSWORD), and says so if they are missing.
CMD ["serve", "--listen", "0.0.0.0:8080", "--data", "/data"]
