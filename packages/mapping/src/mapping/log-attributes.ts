import { logLimits } from '@trailstream/datadog';
import type { CloudTrailEvent } from '../record/cloudtrail-event.js';

/**
 * Datadog's documented limits on one log's JSON. Beyond them Datadog may transform or truncate the log;
 * Trailstream keeps the record whole instead, the deep part as a string.
 */
export const logAttributeLimits = { attributes: logLimits.attributes, depth: logLimits.depth } as const;

/** Trailstream's own attribute on a log: where it says what it changed to fit Datadog's limits. */
export const marksField = 'trailstream';
export const jsonStringAttributesKey = 'json_string_attributes';

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The attributes a value spreads into in Datadog, counted as Datadog's facets see them: one per leaf
 * path, where the elements of an array share their paths (`resources.ARN` is one attribute).
 * `depth` is the level of the deepest key, 1 for a top-level one.
 */
interface Extent {
  attributes: number;
  depth: number;
}

/** The union of the keys of an array's objects, so their shared paths count once. */
function mergedElements(items: readonly Json[]): Json {
  let merged: Record<string, Json> | null = null;
  for (const item of items) {
    const shape = Array.isArray(item) ? mergedElements(item) : item;
    if (!isObject(shape)) continue;
    merged ??= {};
    for (const [key, value] of Object.entries(shape)) {
      const known = merged[key];
      merged[key] = isObject(known) && isObject(value) ? mergedElements([known, value]) : (known ?? value);
    }
  }
  return merged ?? null;
}

function extentOf(value: Json, level: number): Extent {
  const shape = Array.isArray(value) ? mergedElements(value) : value;
  if (!isObject(shape)) return { attributes: 1, depth: level };
  // Scalars beside objects in one array are one more attribute, at the array's own path.
  let attributes =
    Array.isArray(value) && value.some((item) => !isObject(item) && !Array.isArray(item)) ? 1 : 0;
  let depth = level;
  for (const child of Object.values(shape)) {
    const extent = extentOf(child, level + 1);
    attributes += extent.attributes;
    depth = Math.max(depth, extent.depth);
  }
  return { attributes: Math.max(attributes, 1), depth };
}

/**
 * Upper bounds of a record's extent in one walk of the parsed record, allocating nothing: the exact depth,
 * and every leaf counted (array elements not merged, so never fewer than Datadog's paths). When even the
 * bounds fit, the exact count is not needed (the usual record, by far).
 */
export function extentBounds(event: CloudTrailEvent): Extent {
  const bounds = { attributes: 0, depth: 0 };
  const walk = (value: Json, level: number): void => {
    if (typeof value !== 'object' || value === null) {
      bounds.attributes++;
      return;
    }
    if (Array.isArray(value)) {
      if (value.length === 0) bounds.attributes++;
      for (const item of value) walk(item, level);
      return;
    }
    let empty = true;
    for (const key in value) {
      empty = false;
      if (level + 1 > bounds.depth) bounds.depth = level + 1;
      walk((value as Record<string, Json>)[key], level + 1);
    }
    if (empty) bounds.attributes++;
  };
  walk(event, 0);
  return bounds;
}

/** The record's fields and their extents; one walk of the already parsed record. */
export function recordExtent(event: CloudTrailEvent): { attributes: number; depth: number } {
  return extentOf(event, 0);
}

/**
 * The record with every value that would sit deeper than Datadog's nesting limit, and (while over the
 * attribute limit) its largest top-level fields, replaced by their JSON text. Returns the reshaped record
 * and the dotted paths that became strings; nothing of the record is dropped.
 */
export function fitRecordToLimits(
  event: CloudTrailEvent,
  addedAttributes: number,
): { record: Record<string, Json>; jsonStringPaths: string[] } {
  const jsonStringPaths: string[] = [];
  const flatten = (value: Json, level: number, path: string): Json => {
    if (typeof value !== 'object' || value === null) return value;
    if (level >= logAttributeLimits.depth) {
      if (extentOf(value, level).depth === level) return value;
      jsonStringPaths.push(path);
      return JSON.stringify(value);
    }
    if (Array.isArray(value)) return value.map((item) => flatten(item, level, path));
    const result: Record<string, Json> = {};
    for (const [key, child] of Object.entries(value))
      result[key] = flatten(child, level + 1, `${path}.${key}`);
    return result;
  };
  const record: Record<string, Json> = {};
  for (const [key, value] of Object.entries(event)) record[key] = flatten(value, 1, key);

  // One more attribute for the list of stringified paths itself.
  let attributes = extentOf(record, 0).attributes + addedAttributes + 1;
  if (attributes > logAttributeLimits.attributes) {
    const largestFirst = Object.keys(record)
      .map((key) => ({ key, attributes: extentOf(record[key], 1).attributes }))
      .filter((field) => field.attributes > 1)
      .sort((a, b) => b.attributes - a.attributes);
    for (const field of largestFirst) {
      if (attributes <= logAttributeLimits.attributes) break;
      record[field.key] = JSON.stringify(record[field.key]);
      attributes -= field.attributes - 1;
      // A path under this field already a string is now inside this one's text.
      const under = `${field.key}.`;
      for (let i = jsonStringPaths.length - 1; i >= 0; i--) {
        if (jsonStringPaths[i]!.startsWith(under)) jsonStringPaths.splice(i, 1);
      }
      jsonStringPaths.push(field.key);
    }
  }
  return { record, jsonStringPaths: [...new Set(jsonStringPaths)] };
}
