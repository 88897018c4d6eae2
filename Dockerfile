# Minyi (民意): one static binary, no cgo (the SQLite driver is pure Go).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/minyi ./cmd/minyi

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/minyi /minyi
ENV MINYI_ADDR=0.0.0.0:8080 MINYI_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
USER nonroot
ENTRYPOINT ["/minyi"]
