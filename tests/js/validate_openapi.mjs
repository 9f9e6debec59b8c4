// Validates the OpenAPI document at the URL given against the official OpenAPI 3.0
// JSON schema (the validator ships it). Exit 0 when valid; errors on stdout.
import { Validator } from "@seriousme/openapi-schema-validator";

const url = process.argv[2];
const doc = await (await fetch(url)).json();
const validator = new Validator();
const result = await validator.validate(doc);
if (!result.valid) {
  console.log(JSON.stringify(result.errors, null, 2));
  process.exit(1);
}
console.log(`valid OpenAPI ${validator.version}`);
