// Shared Vite configuration of the four apps. Each app's vite.config.ts
// names itself and its UI library; everything else is decided here so the
// apps build the same way into web/dist/<app>/.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import vue from "@vitejs/plugin-vue";
import Components from "unplugin-vue-components/vite";
import { ElementPlusResolver } from "unplugin-vue-components/resolvers";
import { VantResolver } from "@vant/auto-import-resolver";
import { defineConfig, type Plugin, type UserConfig } from "vite";

const webDir = fileURLToPath(new URL(".", import.meta.url));

/** AppOptions name an app and its UI library. */
export interface AppOptions {
  /** app is the directory under apps/ and the URL prefix, e.g. "h5" → /h5/. */
  app: "h5" | "scan" | "org" | "admin";
  ui: "vant" | "element";
}

// Paths the dev server hands to a running `yima dev` (YIMA_DEV_BACKEND,
// http://127.0.0.1:18080 by default): Connect RPCs, sign-in, the mock
// identity provider, the live websocket, project code downloads, org logos.
function devProxy() {
  const target = process.env.YIMA_DEV_BACKEND ?? "http://127.0.0.1:18080";
  return {
    "^/yima\\.": { target, changeOrigin: false },
    "/auth/": { target, changeOrigin: false },
    "/oidc-dev/": { target, changeOrigin: false },
    "/ws": { target, changeOrigin: false, ws: true },
    "/codes/": { target, changeOrigin: false },
    "/logos/": { target, changeOrigin: false },
  };
}

// Vant's icon font names a CDN copy after its inlined woff2. The pages must
// never reach a third party (the CSP forbids it, and government networks
// often cannot), so the fallback is cut from the built CSS.
function dropCdnFonts(): Plugin {
  const cdn = /,\s*url\((["']?)(?:https?:)?\/\/at\.alicdn\.com\/[^)]*\1\)\s*format\((["'])woff\2\)/g;
  return {
    name: "yima:drop-cdn-fonts",
    enforce: "pre",
    // Before CSS processing, so the file name's hash covers the change.
    transform(code, id) {
      if (!/\.css($|\?)/.test(id) || !code.includes("alicdn.com")) return null;
      return { code: code.replace(cdn, ""), map: null };
    },
  };
}

// Vant inlines its icon font (25 KB, 34 KB as base64) into the stylesheet
// every page waits for before it paints. As a file of its own it loads only
// once an icon shows, after the page's content, and stays cached across
// releases.
function externalIconFont(): Plugin {
  const font = resolve(webDir, "node_modules", ".yima", "vant-icon.woff2");
  const inlined = /url\((["']?)data:font\/woff2;[^,]*base64,([A-Za-z0-9+/=]+)\1\)/;
  return {
    name: "yima:external-icon-font",
    enforce: "pre",
    transform(code, id) {
      if (!/[\\/]vant[\\/]es[\\/]icon[\\/]index\.css($|\?)/.test(id)) return null;
      const [url, , base64] = inlined.exec(code) ?? [];
      if (!url || !base64) return null;
      mkdirSync(dirname(font), { recursive: true });
      writeFileSync(font, Buffer.from(base64, "base64"));
      return { code: code.replace(url, `url(${JSON.stringify(font)})`), map: null };
    },
  };
}

function uiName(name: string): string {
  return name === "css" || name === "style" ? "ui" : name;
}

/** defineAppConfig returns the Vite configuration of one app. */
export function defineAppConfig({ app, ui }: AppOptions): UserConfig {
  const root = resolve(webDir, "apps", app);
  return defineConfig({
    root,
    base: `/${app}/`,
    plugins: [
      vue(),
      dropCdnFonts(),
      externalIconFont(),
      // On-demand components and their styles: only what a template uses
      // reaches the bundle.
      Components({
        dirs: [],
        dts: resolve(root, "components.d.ts"),
        resolvers: ui === "vant" ? [VantResolver()] : [ElementPlusResolver({ importStyle: "css" })],
      }),
    ],
    build: {
      outDir: resolve(webDir, "dist", app),
      emptyOutDir: true,
      sourcemap: false,
      target: ["es2020", "chrome87", "safari14"],
      assetsInlineLimit: 4096,
      chunkSizeWarningLimit: 900,
      reportCompressedSize: true,
      rolldownOptions: {
        output: {
          // What the first page needs comes in few files: over HTTP/1.1 a
          // browser opens six connections to a host, and on a phone network
          // each file beyond them waits a round trip (≈ 0.6 s on 3G).
          // Libraries change less often than the pages: their own chunk
          // stays cached across releases. What only later pages use stays
          // with them.
          codeSplitting: {
            groups: [
              {
                name: "vendor",
                test: /[\\/]node_modules[\\/](@vue|vue|vue-router|@bufbuild|@connectrpc)[\\/]/,
                priority: 2,
              },
              { name: "app", tags: ["$initial"], priority: 1 },
            ],
          },
          // Chunks split out of a UI library are named after the style
          // module they start from ("css"); call them what they are.
          chunkFileNames: (chunk) => `assets/${uiName(chunk.name)}-[hash].js`,
          assetFileNames: (asset) =>
            `assets/${uiName(asset.names[0]?.replace(/\.[^.]+$/, "") ?? "asset")}-[hash][extname]`,
        },
      },
    },
    server: {
      host: "127.0.0.1",
      proxy: devProxy(),
    },
  });
}
