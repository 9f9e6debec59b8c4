// Coded values (facility kinds and statuses, division levels and kinds, place
// categories) with their labels, as the server's schemas give them: each coded property
// lists its values as oneOf (a closed list) or anyOf (an open one) of {const, title},
// the title "中文 (English)" like the properties' own, so the labels follow the
// language toggle and no list of them lives in the page.
import { pickTitle } from "./i18n.js";
import { schemaOf } from "./main.js";

const loaded = {};

// The collection whose schema names a layer's coded values.
function baseOf(collection) {
  if (["counties", "townships", "villages"].includes(collection)) return "divisions";
  if (collection.startsWith("scenario-")) return "facilities";
  return collection;
}

// Loads the schemas of collections so that label() answers at once.
export async function loadVocab(collections = ["facilities", "divisions", "places"]) {
  await Promise.all(collections.map(async (c) => { loaded[baseOf(c)] = await schemaOf(baseOf(c)); }));
}

export function termsIn(schema, prop) {
  const p = schema?.properties?.[prop];
  return (p?.oneOf || p?.anyOf || []).filter((x) => "const" in x).map((x) => ({ code: String(x.const), title: x.title }));
}

// The coded values of a collection's property: [{code, title}] (title in both languages).
export function terms(collection, prop) { return termsIn(loaded[baseOf(collection)], prop); }

// A value's label in the language shown (the value itself when it has none).
export function label(collection, prop, value) {
  const hit = terms(collection, prop).find((x) => x.code === String(value));
  return hit ? pickTitle(hit.title) : String(value);
}

// Fills a select with a property's values, labelled, keeping its choice; first: an
// option to put before them ([value, text]).
export function fillSelect(select, collection, prop, first) {
  const cur = select.value;
  const opts = terms(collection, prop).map((x) => new Option(pickTitle(x.title), x.code));
  if (first) opts.unshift(new Option(first[1], first[0]));
  select.replaceChildren(...opts);
  if (cur && [...select.options].some((o) => o.value === cur)) select.value = cur;
}
