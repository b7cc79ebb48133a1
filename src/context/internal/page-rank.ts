/** A weighted directed edge between two nodes, by index. */
export interface WeightedEdge {
  from: number;
  to: number;
  weight: number;
}

/**
 * Personalised PageRank by power iteration. `personalisation` (any non-negative weights, one per node;
 * all zero means uniform) is where a random walker restarts, and where the rank of a node without
 * out-edges goes. Returns one rank per node, summing to 1. Stops when an iteration moves the ranks by
 * less than `tolerance` in total, or after `maxIterations`.
 */
export function pageRank(
  nodeCount: number,
  edges: readonly WeightedEdge[],
  personalisation: readonly number[],
  { damping = 0.85, maxIterations = 100, tolerance = 1e-9 } = {},
): Float64Array {
  if (nodeCount === 0) return new Float64Array(0);
  const restart = new Float64Array(nodeCount);
  let total = 0;
  for (let node = 0; node < nodeCount; node++) total += Math.max(0, personalisation[node] ?? 0);
  for (let node = 0; node < nodeCount; node++) {
    restart[node] = total > 0 ? Math.max(0, personalisation[node] ?? 0) / total : 1 / nodeCount;
  }
  const outWeight = new Float64Array(nodeCount);
  for (const edge of edges) outWeight[edge.from] = (outWeight[edge.from] as number) + edge.weight;
  let rank = Float64Array.from(restart);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const next = new Float64Array(nodeCount);
    let dangling = 0;
    for (let node = 0; node < nodeCount; node++) {
      if ((outWeight[node] as number) === 0) dangling += rank[node] as number;
    }
    for (const edge of edges) {
      const share = ((rank[edge.from] as number) * edge.weight) / (outWeight[edge.from] as number);
      next[edge.to] = (next[edge.to] as number) + damping * share;
    }
    let moved = 0;
    for (let node = 0; node < nodeCount; node++) {
      const value = (next[node] as number) + (1 - damping + damping * dangling) * (restart[node] as number);
      next[node] = value;
      moved += Math.abs(value - (rank[node] as number));
    }
    rank = next;
    if (moved < tolerance) break;
  }
  return rank;
}
