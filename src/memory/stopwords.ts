// Words dropped from queries (never from the index): function words, and the conversational frame
// people wrap around a question about the past ("can you remind me what we talked about…"). Both
// carry no evidence about *which* memory is meant; leaving them in only adds noise and cost, since
// they match a large share of all turns. Listed as surface forms; `isStopword` checks stems too.

const FUNCTION_WORDS = `a about above after again against all am an and any are aren't as at be because been before
being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during
each few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself
him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my
myself no nor not of off on once only or other ought our ours ourselves out over own same shan't she she'd she'll
she's should shouldn't so some such than that that's the their theirs them themselves then there there's these they
they'd they'll they're they've this those through to too under until up very was wasn't we we'd we'll we're we've
were weren't what what's when when's where where's which while who who's whom why why's with won't would wouldn't
you you'd you'll you're you've your yours yourself yourselves also just really actually maybe still even much many since
will shall may might must get got getting gotten s t d ll m re ve im ive id dont didnt doesnt cant wont isnt`;

const CONVERSATIONAL_FRAME = `remind reminding remember recall tell told telling say said saying mention mentioned
mentioning talk talked talking discuss discussed discussing conversation conversations chat chats chatted previous
previously earlier ago back going look looking wondering wonder wanted want know think thought please thanks thank
could would like something anything thing things kind sort way ways lot bit currently recently ever related`;

const SET = new Set(
  `${FUNCTION_WORDS} ${CONVERSATIONAL_FRAME}`
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => w.replaceAll("'", "")),
);

/** True when `word` (a lower-case surface form without apostrophes) carries no retrieval evidence. */
export function isStopword(word: string): boolean {
  return SET.has(word);
}
