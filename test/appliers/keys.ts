// Known-good public keys of every accepted type (generated with ssh-keygen; sk keys built field by field) and their fingerprints.

export const KEYS = {
  rsa: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC3ylpYtoo4+hTKGCSvPQLw/+LNb3/PaDXGGGaAKKRzxxglSDQ+UbXrXPKEu7tYapMjA/G9Bl09WYDQ+S9KRUauDMRO2trQ/IHiTwnJ18N3nmpgSGO0bfm8m7QyhKcyj03dKtwz+qWaJtZltg8lfhVmF/RTKHHSGGLl/En8WPpEUbzc28hz2ie2Coz4NpIwstSWJq/eL5Prn3fQ0WLFOx/pAMKBZvlTcAdPQp/IITzNv9UKTVGOEpo/h6MZL6mBIZ62wHQ9e+xH5krPwRqb+1DtVSV0NEExMcEBQVXet9QNj0pK2XvH/E/BdubVgNOHqUHs6A1cBlGiX1naWYV0JB6/ test-rsab2048@mdctl',
  ed25519: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKnE4Yatju8VW0M7z4z2F0izNnGjvcYzQ5c879UxgpLI test-ed25519@mdctl',
  ecdsa256: 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBNKn94d3ekUFHae0D+BWZYQ95IGKg+xsnDE2+OLjTcCn3YvrQO8ZxVz5dNddg8XkxAP6V0MSnBzFfD1+BLX4k+0= test-ecdsab256@mdctl',
  ecdsa384: 'ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBBVo2kUEnDd/em+NZ+XXGTIzryvgHS/BsD8SGqiv5rmeaZ8HOycLvPfvDM6d3C/9CFpSl7qCMsGobgTpSdSEX+GcOpibTal6wQu3CQzMQ0G2Wbh2mbAIY9pIbECSjiQ6Fg== test-ecdsab384@mdctl',
  ecdsa521: 'ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAFSrnOatTmp/dwWB4k209DbgwAT4oC4KcFvWn4F+2Q6u5MMKQQFznUQJ50saJGLTALP7JxtrC9uiMX3yqFvlm8MPADTSCdZZgUnQEEXw8TO3X76OQdMuxBbYxawJbz/ovoitG82fjUi7njvcPjLhtCQ9l6dHjWCEOFZvLykGWnSi2y1zA== test-ecdsab521@mdctl',
  dsa: 'ssh-dss AAAAB3NzaC1kc3MAAACBAK3k0YLfFOfbLkJ6lBa/R5RN1lWlaqN9xEmZubidbqC2X12Lfi+tB7HGOGMYwqFgnN5uFJA2nqvazn8hKTWp+wMAd5plV0T6VzJJNx9HhoCyGuaGCf5MMJEg4FMJ3sGvx6cMfjdWMl87fkOTRtrupWYWh5KJ1Ip95xk9LyeVRSwBAAAAFQCvYm70VkLp/dctxb6Uevotr5O7yQAAAIBcgzHlAX6Mrvl9jh05vApcYUQqxvrpPs1YJCyLY5cWNtVT9txqd/6APx3CL5qnwRHgqYX+tvzFTrw6hBrq06T0OUPYD31Jm1QoCb3uP2TvLwuRiIb9RHL7yxp6sCWKicixK8fzetI/iH0uYVJk1mGRr5gViXhKH/PCRu7TdUE62AAAAIAer7bpYQbzAE5dcB9svsyJ6fgXRe0lGPm1yJpgDeHK+/cNz8PviPHLLavRyNhhtLCbtAsJ/o10CZa8C9c1hnjgqT+POGFem8J4zi6rjYEexPOV94bXpBadbs4vV1o+5RGNFWImHgGwom+DOxY9ldJd/ZDCFr8eTgH/PxGuSWBoKw== test-dsa@mdctl',
  skEd25519: 'sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gAAAABHNzaDo= sk-ed@mdctl',
  skEcdsa: 'sk-ecdsa-sha2-nistp256@openssh.com AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20AAAAIbmlzdHAyNTYAAABBBAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8AAAAEc3NoOg== sk-ec@mdctl',
} as const;

/** As `ssh-keygen -lf` prints them. */
export const FINGERPRINTS: Partial<Record<keyof typeof KEYS, string>> = {
  rsa: 'SHA256:oo8BX0H768WiKMLm14xvFbKAXooxKs6RGo7piNSutqU',
  ed25519: 'SHA256:aAbUBzIlLFp8UiGD4ViPqzn7SP4yCXgjUcMgMlxERY8',
  ecdsa256: 'SHA256:QvgAcLTzJKwD5wGThnS7SOZPwSIMFvV93geWCb1Vk9Q',
  ecdsa384: 'SHA256:kHs2lYxEG2gy2udeu9YW2wBUE/pLuZ6Puv1X5m5NDdU',
  ecdsa521: 'SHA256:l/Lt74PO0QGBq9mLpLvMBdYXzuuNF26xMGB8ZR1Dn4U',
  dsa: 'SHA256:/594Fw8opXSsI2wsgyCF7Lhy51iJIT2zJy4UVsOZT6s',
};
