export * from "./inspector/index.js";
