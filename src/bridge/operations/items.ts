/** items.search (world items and Item compendiums, through their indexes) and items.get. */
import type { FoundryCompendium, FoundryIndexEntry, WorldDocuments } from "../../foundry/documents";
import { BridgeAnswerError } from "../answer";
import {
  type DataOf,
  findDocument,
  operation,
  page,
  reference,
  type ScanBudget,
  worldCollection,
} from "./common";
import { fetchResult, type SearchHit, type SearchResult } from "./results";
import { flag, object, optional, schema, text } from "./schema";

/** Packs looked at, and index entries and world items compared, per search (the rest is not searched). */
export const SEARCH_BOUNDS = Object.freeze({ packs: 1000, scanned: 500_000 });
/** The key searches are charged to in the client's scan budget. */
const SCANS = "items.search";
/** The index fields a search reads; Foundry's default index already has them (docs/FOUNDRY.md). */
const INDEX_FIELDS = ["name", "type", "img"];

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

/**
 * Collects matches: counts all of them, keeps the page asked for. Each synchronous scan (the world's items, one
 * pack's index once it is fetched) first checks the client's scan budget and is charged at once: searches that
 * run at the same time meet at their awaits, so none scans on a budget another one already spent.
 */
class Page {
  total = 0;
  scanned = 0;
  #charged = 0;
  readonly results: SearchHit[] = [];
  constructor(
    readonly offset: number,
    readonly limit: number,
    readonly scans: ScanBudget,
  ) {}
  /** Throws RATE_LIMITED while the budget is in debt. */
  checkBudget(): void {
    if (!this.scans.allow(SCANS, undefined, 0))
      throw new BridgeAnswerError(
        "RATE_LIMITED",
        "items.search: the searches of the last seconds compared too many entries; try again shortly",
      );
  }
  /** Charges what was scanned since the last charge. */
  charge(): void {
    this.scans.spend(SCANS, this.scanned - this.#charged);
    this.#charged = this.scanned;
  }
  get full(): boolean {
    return this.scanned >= SEARCH_BOUNDS.scanned;
  }
  add(hit: SearchHit): void {
    if (this.total >= this.offset && this.results.length < this.limit) this.results.push(hit);
    this.total++;
  }
}

const matches = (needle: string, type: string | undefined, name: unknown, docType: unknown) =>
  typeof name === "string" && name.toLowerCase().includes(needle) && (type === undefined || docType === type);

async function searchPack(pack: FoundryCompendium, needle: string, type: string | undefined, out: Page) {
  const index: Iterable<FoundryIndexEntry> = await pack.getIndex({ fields: INDEX_FIELDS });
  out.checkBudget();
  try {
    scanIndex(pack, index, needle, type, out);
  } finally {
    out.charge();
  }
}

function scanIndex(
  pack: FoundryCompendium,
  index: Iterable<FoundryIndexEntry>,
  needle: string,
  type: string | undefined,
  out: Page,
): void {
  for (const entry of index) {
    if (out.full) return;
    out.scanned++;
    if (!matches(needle, type, entry.name, entry.type)) continue;
    out.add({
      uuid: entry.uuid ?? `Compendium.${pack.collection}.Item.${entry._id}`,
      name: entry.name ?? "",
      type: str(entry.type),
      img: str(entry.img),
      pack: pack.collection,
    });
  }
}

async function search(docs: WorldDocuments, data: SearchData, scans: ScanBudget): Promise<SearchResult> {
  const out = new Page(data.offset, data.limit, scans);
  out.checkBudget();
  try {
    return await searchAll(docs, data, out);
  } finally {
    out.charge();
  }
}

async function searchAll(docs: WorldDocuments, data: SearchData, out: Page): Promise<SearchResult> {
  const needle = data.query.toLowerCase();
  for (const doc of worldCollection(docs, "items.search", "Item").contents) {
    if (out.full) break;
    out.scanned++;
    if (!matches(needle, data.type, doc.name, doc.type)) continue;
    out.add({ uuid: doc.uuid, name: doc.name ?? "", type: str(doc.type), img: str(doc.img), pack: null });
  }
  out.charge();
  if (data.compendiums) {
    const packs = docs
      .packs()
      .filter((p) => p.documentName === "Item")
      .slice(0, SEARCH_BOUNDS.packs);
    for (const pack of packs) {
      if (out.full) break;
      await searchPack(pack, needle, data.type, out);
    }
  }
  return { total: out.total, results: out.results };
}

const searchSchema = schema(
  "items.search",
  object({ query: text(1, 100), ...page, type: optional(text(1, 64)), compendiums: optional(flag, true) }),
);
type SearchData = DataOf<typeof searchSchema>;

export const itemsSearch = operation("items.search", searchSchema, search);

export const itemsGet = operation("items.get", reference("items.get"), async (docs, ref) =>
  fetchResult(await findDocument(docs, "items.get", "Item", ref)),
);

export const ITEM_OPERATIONS = [itemsSearch, itemsGet];
