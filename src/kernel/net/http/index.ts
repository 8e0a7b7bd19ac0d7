// http — HTTP/1.1 for the kernel's servers: the request head parser (request.ts),
// the chunked decoder (chunked.ts), a JSON writer (json.ts) and the server over
// TCP (server.ts).
import * as chunked from "../../../lib/http/chunked";
import * as json from "../../../lib/http/json";
import * as request from "../../../lib/http/request";
import * as server from "./server";
export { chunked, json, request, server };
