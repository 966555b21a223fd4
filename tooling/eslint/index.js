// @ts-check
// Wharf's one ESLint configuration (flat config). The root eslint.config.js uses it, so every
// package's `lint` script (`eslint .` in the package) and the root's lint step read the same rules.
import js from "@eslint/js";
import nextPlugin from "@next/eslint-plugin-next";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

/** Files that are not linted: generated code, build output, test reports. */
const ignores = [
  "**/node_modules/**",
  "**/dist/**",
  "**/.next/**",
  "**/next-env.d.ts",
  "**/test-results/**",
  "**/playwright-report/**",
  "bench/results/**",
  "**/.cache/**",
];

/** @param {string} root the repository root (where tsconfig files are resolved from) */
export function wharfConfig(root) {
  return tseslint.config(
    { ignores },
    { linterOptions: { reportUnusedDisableDirectives: "error" } },
    js.configs.recommended,
    ...tseslint.configs.recommendedTypeChecked,
    {
      languageOptions: {
        globals: { ...globals.node },
        parserOptions: { projectService: true, tsconfigRootDir: root },
      },
      rules: {
        // The rules the linter is here for: promises nobody awaits or hands to a place that
        // ignores them, and awaiting what is not a promise.
        "@typescript-eslint/no-floating-promises": "error",
        "@typescript-eslint/no-misused-promises": "error",
        "@typescript-eslint/await-thenable": "error",
        // Unused code is deleted. `_`-prefixed names mark a position that must exist (a
        // callback's leading parameter, a rest sibling that drops a key).
        "@typescript-eslint/no-unused-vars": [
          "error",
          {
            args: "after-used",
            argsIgnorePattern: "^_",
            varsIgnorePattern: "^_",
            caughtErrors: "none",
            ignoreRestSiblings: true,
          },
        ],
        // `import type` keeps type-only imports out of the emitted module (verbatimModuleSyntax
        // requires it for types anyway); the fixer writes it.
        "@typescript-eslint/consistent-type-imports": [
          "error",
          { fixStyle: "inline-type-imports", disallowTypeAnnotations: false },
        ],
        // Handing on a caught `unknown` (a promise's rejection) is how errors travel here.
        "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingUnknown: true }],
        // Off, because they report far more noise than bugs here:
        // - the no-unsafe-* family flags every `JSON.parse` in tests; data that crosses a process
        //   boundary is parsed with zod, which is where that check belongs;
        // - require-await flags async methods that implement a promise-returning interface;
        // - unbound-method flags `expect(mock.method)` and destructured `console` methods;
        // - no-control-regex flags the ANSI escapes that terminal output handling must match.
        "@typescript-eslint/no-unsafe-argument": "off",
        "@typescript-eslint/no-unsafe-assignment": "off",
        "@typescript-eslint/no-unsafe-call": "off",
        "@typescript-eslint/no-unsafe-member-access": "off",
        "@typescript-eslint/no-unsafe-return": "off",
        "@typescript-eslint/require-await": "off",
        "@typescript-eslint/unbound-method": "off",
        "no-control-regex": "off",
      },
    },
    {
      // Plain JavaScript outside a TypeScript project (bin launchers, build scripts): the
      // syntax-only rules, no type information.
      files: ["**/*.{js,mjs,cjs}"],
      ignores: ["scripts/**"],
      ...tseslint.configs.disableTypeChecked,
    },
    {
      files: ["apps/web/**/*.{ts,tsx}"],
      languageOptions: { globals: { ...globals.browser } },
      plugins: { "@next/next": nextPlugin, "react-hooks": reactHooks },
      settings: { next: { rootDir: "apps/web" } },
      rules: {
        ...nextPlugin.configs.recommended.rules,
        ...nextPlugin.configs["core-web-vitals"].rules,
        "react-hooks/rules-of-hooks": "error",
        "react-hooks/exhaustive-deps": "error",
      },
    },
  );
}
