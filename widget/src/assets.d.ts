// esbuild's "text" loader (build.mjs): a CSS file imports as its text.
declare module "*.css" {
  const text: string;
  export default text;
}
