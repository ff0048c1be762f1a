/** JSON files a user writes or bootlab reads back (matrices, profiles, run summaries). */
import { readFileSync } from 'node:fs';
import { UserError } from './errors.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function isObject(v: unknown): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parse a JSON file; invalid JSON is the user's to fix, named with the parser's complaint. */
export function readJsonFile(file: string): Json {
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new UserError(`${file} is not valid JSON: ${(error as Error).message}.`, { cause: error });
  }
}
