import { defineConfig } from 'vite';
import license from 'rollup-plugin-license';

// The built UI goes to dist/ (committed: the registry serves it with no Node.js around).
// Hashed file names under assets/ are cached for a year by registry/web_ui.py.
export default defineConfig({
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2020',
    modulePreload: { polyfill: false },
    rollupOptions: {
      plugins: [
        license({
          thirdParty: {
            includePrivate: false,
            output: {
              file: 'dist/THIRD_PARTY_LICENSES.txt',
            },
          },
        }),
      ],
    },
  },
});
