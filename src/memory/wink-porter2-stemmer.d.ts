// Types for wink-porter2-stemmer (ships none): Porter2 (Snowball English) stemming of one word.
declare module "wink-porter2-stemmer" {
  /** The stem of one lower-case word. */
  function stem(word: string): string;
  export default stem;
}
