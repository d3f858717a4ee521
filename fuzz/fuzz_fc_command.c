/* libFuzzer target: the FlexConnect invocation command parser and the DoGet
 * ticket parser on arbitrary bytes; an accepted command has a non-empty
 * function name and a parameters object that parses again. Single-threaded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flexconnect/fc_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size); /* called by libFuzzer */

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gf__fc_command cmd;
  gf_error err = {0};
  if (gf__fc_parse_command(data, size, &cmd, &err) == GF_OK) {
    if (cmd.function_name == NULL || cmd.function_name[0] == 0) abort();
    if (cmd.parameters_json == NULL || cmd.parameters_json[0] != '{') abort();
    char* again = gf__fc_json_compact(cmd.parameters_json);
    if (again == NULL || strcmp(again, cmd.parameters_json) != 0) abort();
    free(again);
    gf__fc_command_free(&cmd);
  } else if (err.code != GF_INVALID_ARGUMENT && err.code != GF_NO_MEMORY) {
    abort();
  }
  char* id = NULL;
  if (gf__fc_parse_ticket(data, size, &id, &err) == GF_OK) {
    if (id == NULL || id[0] == 0) abort();
    size_t n = 0;
    char* t = gf__fc_ticket_json(id, &n);
    char* back = NULL;
    if (t == NULL || gf__fc_parse_ticket(t, n, &back, &err) != GF_OK || strcmp(back, id) != 0) abort();
    free(back);
    free(t);
    free(id);
  }
  return 0;
}
