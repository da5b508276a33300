/** A primary source a vocabulary entry rests on. */
export interface Reference {
  title: string;
  url: string;
}
