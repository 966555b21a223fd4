// @ts-check
import { wharfConfig } from "@wharf/eslint-config";

export default wharfConfig(import.meta.dirname);
