// R for the r mode and the R formats (r/object, table/r.dataframe, tree/r.apetree): Debian's R with
// the packages Girder Worker's R tasks use: jsonlite (the driver's wire format), ape (trees) and nlme
// (Arbor's analyses). Each task runs in a warm Rscript that the runner starts; nothing runs here.
import { ensurePackages } from './_apt.mjs';

export async function install({ sh }) {
  ensurePackages(sh, ['r-base-core', 'r-cran-jsonlite', 'r-cran-ape', 'r-cran-nlme']);
}
