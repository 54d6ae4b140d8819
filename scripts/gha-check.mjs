// Validates GitHub Actions workflows and action.yml files with GitHub's own parser
// (@actions/workflow-parser, from actions/languageservices: the schema the runner's service uses).
// Its dist imports its JSON schemas without import attributes (it expects a bundler), so a load
// hook serves those .json files as ES modules.
import fs from "node:fs";
import { register } from "node:module";

register("data:text/javascript," + encodeURIComponent(`
import fs from "node:fs";
export async function load(url, context, next) {
  if (url.startsWith("file:") && url.endsWith(".json"))
    return { format: "module", shortCircuit: true,
             source: "export default " + fs.readFileSync(new URL(url), "utf8") + ";" };
  return next(url, context);
}`));

const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await import("@actions/workflow-parser");
const { parseAction } = await import("@actions/workflow-parser/actions/action-parser");
const trace = new NoOperationTraceWriter();
let bad = 0;
for (const f of process.argv.slice(2)) {
  const content = fs.readFileSync(f, "utf8");
  const isAction = /(^|\/)action\.ya?ml$/.test(f);
  const r = isAction ? parseAction({ name: f, content }, trace) : parseWorkflow({ name: f, content }, trace);
  let errors = r.context.errors.getErrors();
  if (!isAction && errors.length === 0)
    errors = (await convertWorkflowTemplate(r.context, r.value)).errors || [];
  for (const e of errors) { console.log(`${f}: ${e.message ?? e.Message ?? JSON.stringify(e)}`); bad++; }
  if (!errors.length) console.log(`${f}: ok`);
}
process.exit(bad ? 1 : 0);
