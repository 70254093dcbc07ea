import type { Provider } from "@openmcp-ts/contract";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

export interface SummaryFacts {
  title: string;
  outcome: string;
  kind: string;
  name: string;
  image: string;
  previousImage: string;
  provider: Provider | undefined;
  /** Extra markdown (a plan's diff), appended as is. */
  details?: string;
}

/** The job summary: what was released where, and a table of the provider's conditions. */
export function renderSummary(f: SummaryFacts): string {
  const lines = [
    `### ${f.title}: ${f.kind} \`${f.name}\``,
    "",
    f.outcome,
    "",
    "| | |",
    "| --- | --- |",
    `| Image | \`${cell(f.image)}\` |`,
    `| Previous image | ${f.previousImage ? `\`${cell(f.previousImage)}\`` : "none"} |`,
    `| Phase | ${cell(f.provider?.status?.phase ?? "-")} |`,
    `| Generation | ${f.provider?.metadata.generation ?? "-"} (observed ${f.provider?.status?.observedGeneration ?? "-"}) |`,
    "",
  ];
  const conditions = f.provider?.status?.conditions ?? [];
  if (conditions.length > 0) {
    lines.push("| Condition | Status | Reason | Message |", "| --- | --- | --- | --- |");
    for (const c of conditions)
      lines.push(`| ${cell(c.type)} | ${cell(c.status)} | ${cell(c.reason)} | ${cell(c.message)} |`);
    lines.push("");
  }
  if (f.details) lines.push(f.details, "");
  return `${lines.join("\n")}\n`;
}
