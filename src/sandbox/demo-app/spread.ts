/**
 * "Every k-th request", for fractions: request n is picked when floor(n·f) grows. Exactly f of any long run is
 * picked, evenly spread, with no randomness, so a test's 5% errors or 0.5% slow requests are what it says.
 */
export class EvenSpread {
  private n = 0;
  private readonly fraction: number;
  constructor(fraction: number) {
    this.fraction = fraction;
  }
  next(): boolean {
    this.n++;
    return Math.floor(this.n * this.fraction) > Math.floor((this.n - 1) * this.fraction);
  }
}
