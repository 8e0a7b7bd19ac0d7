// fabric — the memory fabric: frames shared between agents' linear memories.
import * as regions from "./regions";
export { regions };
