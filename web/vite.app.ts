// Shared Vite configuration of the four apps. Each app's vite.config.ts
// names itself and its UI library; everything else is decided here so the
// apps build the same way into web/dist/<app>/.
import { resolve } from "node:path";
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
// identity provider, the live websocket, project code downloads.
function devProxy() {
  const target = process.env.YIMA_DEV_BACKEND ?? "http://127.0.0.1:18080";
  return {
    "^/yima\\.": { target, changeOrigin: false },
    "/auth/": { target, changeOrigin: false },
    "/oidc-dev/": { target, changeOrigin: false },
    "/ws": { target, changeOrigin: false, ws: true },
    "/codes/": { target, changeOrigin: false },
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
          // Libraries change less often than the pages: their own chunks
          // stay cached across releases.
          codeSplitting: {
            groups: [
              { name: "vue", test: /[\\/]node_modules[\\/](@vue|vue|vue-router)[\\/]/, priority: 3 },
              {
                name: "rpc",
                test: /[\\/](node_modules[\\/](@bufbuild|@connectrpc)|packages[\\/]api)[\\/]/,
                priority: 2,
              },
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
