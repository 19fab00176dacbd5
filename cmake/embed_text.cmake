# Generates a C source holding one text file as a NUL-terminated string.
# cmake -DSRC=file -DOUT=file.c -DNAME=symbol -P embed_text.cmake
file(READ "${SRC}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUT}.tmp" "/* Generated from ${SRC} by cmake/embed_text.cmake. Do not edit. */\nconst char ${NAME}[] = {${bytes}0x00};\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
