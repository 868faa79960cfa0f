// Fuzzy matching as lunr defines it, for every part of a search: a word matches a fuzzy term when lunr's automaton
// for the term (TokenSet.fromFuzzyString) accepts it. lunr counts a swap of two neighbouring letters as one edit.
import lunr from 'lunr';

/** A state of a lunr TokenSet automaton: its edges by character ("*" for any) and whether a word may end there. */
export interface AutomatonState {
  final: boolean;
  edges: Record<string, AutomatonState | undefined>;
}

/** Returns lunr's automaton of the words within `distance` edits of `word`. */
export function fuzzyAutomaton(word: string, distance: number): AutomatonState {
  // lunr's type declarations lack TokenSet.fromFuzzyString, which its query uses for a term with an edit distance.
  return (lunr.TokenSet as unknown as { fromFuzzyString(text: string, edits: number): AutomatonState }).fromFuzzyString(word, distance);
}

/** Returns a test for whether a word is within `distance` edits of `word`, as lunr's fuzzy term matches it. */
export function createFuzzyMatcher(word: string, distance: number): (candidate: string) => boolean {
  const start = fuzzyAutomaton(word, distance);
  return (candidate) => {
    let states = new Set<AutomatonState>([start]);
    for (const character of candidate.split('')) {
      const next = new Set<AutomatonState>();
      for (const state of states) {
        const named = state.edges[character];
        const any = state.edges['*'];
        if (named !== undefined) next.add(named);
        if (any !== undefined) next.add(any);
      }
      if (next.size === 0) return false;
      states = next;
    }
    for (const state of states) {
      if (state.final) return true;
    }
    return false;
  };
}
