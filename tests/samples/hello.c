#include <stdio.h>

int main(int argc, char **argv)
{
    printf("hello from %s with %d argument%s\n", argc > 0 ? "an i386 program" : "?", argc - 1,
           argc == 2 ? "" : "s");
    return 0;
}
