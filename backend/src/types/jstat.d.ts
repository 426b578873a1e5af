// jstat ships no type declarations; these cover the distributions ModelWatch uses.
declare module 'jstat' {
  interface ContinuousDistribution {
    cdf(x: number, ...params: number[]): number;
    inv(p: number, ...params: number[]): number;
    pdf(x: number, ...params: number[]): number;
  }
  export const jStat: {
    normal: ContinuousDistribution;
    studentt: ContinuousDistribution;
    chisquare: ContinuousDistribution;
    centralF: ContinuousDistribution;
    beta: ContinuousDistribution;
    gamma: ContinuousDistribution;
    [name: string]: unknown;
  };
  const jstat: { jStat: typeof jStat };
  export default jstat;
}
