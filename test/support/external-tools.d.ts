export interface ExternalTool {
  /** as people call it: "Chromium" */
  name: string;
  /** the variable naming its executable, which overrides `paths` */
  variable: string;
  /** where a system package puts it */
  paths: string[];
  /** the specs that need it, relative to the repository */
  specs: string[];
  /** the command that runs those specs alone, failing when the tool is missing */
  script: string;
  /** set (to anything) where the tool must be present: CI */
  required: string;
}

export const TOOLS: ExternalTool[];
export function findTool(name: string): string | undefined;
export function missingTools(): ExternalTool[];
export function specPatterns(tools: ExternalTool[]): string[];
export function notRunLine(tools: ExternalTool[]): string | undefined;
export function toolConfig(base: object, name: string): object;
