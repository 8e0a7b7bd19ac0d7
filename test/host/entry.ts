export * from "../../src/kernel/index";
