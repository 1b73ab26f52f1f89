// SPDX-License-Identifier: MIT
// Tests for the XML-RPC codec: every decode case of the recorded reference traffic
// (conformance/envelope_auth.jsonl, bodies copied in below), the response writer's exact
// bytes, and the decoder's behaviour on hostile input.
#include "api/xmlrpc_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

#include "api/value.h"
#include "backend/errors.h"

namespace prefixd::api {
namespace {

struct CorpusCase {
  int seq;
  std::string_view body;
  std::string_view expected;  // response body, or fault string for kFaultCases
};

struct MethodCase {
  int seq;
  std::string_view body;
  std::string_view method;
  std::size_t params;
};

// Requests whose decoded `message` member, written back, gives the recorded response
// byte for byte (envelope_auth.jsonl "utility/echo" and "decode:" steps).
const CorpusCase kEchoCases[] = {
    {5, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><nil/></value></param>
</params>
</methodResponse>
)xml"},
    {6, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><string>hello</string></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><string>hello</string></value>
</param>
</params>
</methodResponse>
)xml"},
    {7, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><string></string></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><string></string></value>
</param>
</params>
</methodResponse>
)xml"},
    {8, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><string>räksmörgås ☃ 日本</string></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><string>räksmörgås ☃ 日本</string></value>
</param>
</params>
</methodResponse>
)xml"},
    {9, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><string>&lt;a href="x"&gt;&amp;amp; ]]&gt; 'q'&lt;/a&gt;</string></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><string>&lt;a href="x"&gt;&amp;amp; ]]&gt; 'q'&lt;/a&gt;</string></value>
</param>
</params>
</methodResponse>
)xml"},
    {10,
     "<?xml "
     "version='1.0'?>\n<methodCall>\n<methodName>echo</"
     "methodName>\n<params>\n<param>\n<value><struct>\n<member>\n<name>auth</"
     "name>\n<value><struct>\n<member>\n<name>authoritative_source</name>\n<value><string>nipap</"
     "string></value>\n</member>\n</struct></value>\n</member>\n<member>\n<name>message</"
     "name>\n<value><string>  line1\n\x09line2\x0d\n  "
     "</string></value>\n</member>\n</struct></value>\n</param>\n</params>\n</methodCall>\n",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><string>  line1
	line2
  </string></value>
</param>
</params>
</methodResponse>
)xml"},
    {11, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><int>42</int></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><int>42</int></value>
</param>
</params>
</methodResponse>
)xml"},
    {12, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><int>-2147483648</int></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><int>-2147483648</int></value>
</param>
</params>
</methodResponse>
)xml"},
    {13, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><int>2147483647</int></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><int>2147483647</int></value>
</param>
</params>
</methodResponse>
)xml"},
    {14, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><boolean>1</boolean></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><boolean>1</boolean></value>
</param>
</params>
</methodResponse>
)xml"},
    {15, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><boolean>0</boolean></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><boolean>0</boolean></value>
</param>
</params>
</methodResponse>
)xml"},
    {16, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><double>3.25</double></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><double>3.25</double></value>
</param>
</params>
</methodResponse>
)xml"},
    {17, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><double>-0.5</double></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><double>-0.5</double></value>
</param>
</params>
</methodResponse>
)xml"},
    {18, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><nil/></value></member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><nil/></value></param>
</params>
</methodResponse>
)xml"},
    {19, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><array><data>
</data></array></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><array><data>
</data></array></value>
</param>
</params>
</methodResponse>
)xml"},
    {20, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><struct>
</struct></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><struct>
</struct></value>
</param>
</params>
</methodResponse>
)xml"},
    {21, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><array><data>
<value><int>1</int></value>
<value><string>two</string></value>
<value><double>3.0</double></value>
<value><nil/></value><value><boolean>1</boolean></value>
</data></array></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><array><data>
<value><int>1</int></value>
<value><string>two</string></value>
<value><double>3.0</double></value>
<value><nil/></value><value><boolean>1</boolean></value>
</data></array></value>
</param>
</params>
</methodResponse>
)xml"},
    {22, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><struct>
<member>
<name>a</name>
<value><int>1</int></value>
</member>
<member>
<name>b</name>
<value><array><data>
<value><int>1</int></value>
<value><int>2</int></value>
</data></array></value>
</member>
<member>
<name>c</name>
<value><struct>
<member>
<name>d</name>
<value><nil/></value></member>
</struct></value>
</member>
</struct></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><struct>
<member>
<name>a</name>
<value><int>1</int></value>
</member>
<member>
<name>b</name>
<value><array><data>
<value><int>1</int></value>
<value><int>2</int></value>
</data></array></value>
</member>
<member>
<name>c</name>
<value><struct>
<member>
<name>d</name>
<value><nil/></value></member>
</struct></value>
</member>
</struct></value>
</param>
</params>
</methodResponse>
)xml"},
    {23, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><dateTime.iso8601>20240102T03:04:05</dateTime.iso8601></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><dateTime.iso8601>20240102T03:04:05</dateTime.iso8601></value>
</param>
</params>
</methodResponse>
)xml"},
    {24, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><base64>
AAFiaW5hcnn/
</base64></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><base64>
AAFiaW5hcnn/
</base64></value>
</param>
</params>
</methodResponse>
)xml"},
    {25, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><array><data>
<value><array><data>
<value><array><data>
<value><array><data>
<value><struct>
<member>
<name>x</name>
<value><array><data>
<value><array><data>
</data></array></value>
</data></array></value>
</member>
</struct></value>
</data></array></value>
</data></array></value>
</data></array></value>
</data></array></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><array><data>
<value><array><data>
<value><array><data>
<value><array><data>
<value><struct>
<member>
<name>x</name>
<value><array><data>
<value><array><data>
</data></array></value>
</data></array></value>
</member>
</struct></value>
</data></array></value>
</data></array></value>
</data></array></value>
</data></array></value>
</param>
</params>
</methodResponse>
)xml"},
    {26, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><string>slept</string></value>
</member>
<member>
<name>sleep</name>
<value><int>0</int></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><string>slept</string></value>
</param>
</params>
</methodResponse>
)xml"},
    {27, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><string>slept</string></value>
</member>
<member>
<name>sleep</name>
<value><double>0.1</double></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><string>slept</string></value>
</param>
</params>
</methodResponse>
)xml"},
    {28, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><string>slept</string></value>
</member>
<member>
<name>sleep</name>
<value><nil/></value></member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><string>slept</string></value>
</param>
</params>
</methodResponse>
)xml"},
    {32, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><i4>7</i4></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><int>7</int></value>
</param>
</params>
</methodResponse>
)xml"},
    {33, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><i8>7</i8></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><int>7</int></value>
</param>
</params>
</methodResponse>
)xml"},
    {36, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><i1>5</i1></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><int>5</int></value>
</param>
</params>
</methodResponse>
)xml"},
    {37, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><i2>300</i2></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><int>300</int></value>
</param>
</params>
</methodResponse>
)xml"},
    {38, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><biginteger>12</biginteger></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><int>12</int></value>
</param>
</params>
</methodResponse>
)xml"},
    {39, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value>bare text</value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><string>bare text</string></value>
</param>
</params>
</methodResponse>
)xml"},
    {40, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><string></string></value>
</param>
</params>
</methodResponse>
)xml"},
    {41, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><float>1.5</float></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><double>1.5</double></value>
</param>
</params>
</methodResponse>
)xml"},
    {43, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><ex:nil xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions"/></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><nil/></value></param>
</params>
</methodResponse>
)xml"},
    {49, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><string>a &amp; b &lt;c&gt;</string></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><string>a &amp; b &lt;c&gt;</string></value>
</param>
</params>
</methodResponse>
)xml"},
    {50, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><string>snow &#9731;</string></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><string>snow ☃</string></value>
</param>
</params>
</methodResponse>
)xml"},
    {51, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><dateTime.iso8601>20240102T03:04:05</dateTime.iso8601></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><dateTime.iso8601>20240102T03:04:05</dateTime.iso8601></value>
</param>
</params>
</methodResponse>
)xml"},
    {52, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><dateTime.iso8601>2024-01-02T03:04:05Z</dateTime.iso8601></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><dateTime.iso8601>2024-01-02T03:04:05Z</dateTime.iso8601></value>
</param>
</params>
</methodResponse>
)xml"},
    {53, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><base64>aGVsbG8=</base64></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><base64>
aGVsbG8=
</base64></value>
</param>
</params>
</methodResponse>
)xml"},
    {54, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><base64>!!!</base64></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><base64>
</base64></value>
</param>
</params>
</methodResponse>
)xml"},
    {56, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><array></array></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><array><data>
</data></array></value>
</param>
</params>
</methodResponse>
)xml"},
    {245,
     "<?xml version='1.0' "
     "encoding='iso-8859-1'?><methodCall><methodName>echo</"
     "methodName><params><param><value><struct><member><name>auth</"
     "name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></"
     "value></member></struct></value></member><member><name>message</name><value><string>r\xe4k</"
     "string></value></member></struct></value></param></params></methodCall>",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><string>räk</string></value>
</param>
</params>
</methodResponse>
)xml"},
};

// Decoded fine; writing the echo back overflows XML-RPC's 32-bit <int>.
const CorpusCase kOverflowCases[] = {
    {34, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><i8>4294967296</i8></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<fault>
<value><struct>
<member>
<name>faultCode</name>
<value><int>1</int></value>
</member>
<member>
<name>faultString</name>
<value><string>&lt;class 'OverflowError'&gt;:int exceeds XML-RPC limits</string></value>
</member>
</struct></value>
</fault>
</methodResponse>
)xml"},
    {35, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><int>99999999999</int></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<?xml version='1.0'?>
<methodResponse>
<fault>
<value><struct>
<member>
<name>faultCode</name>
<value><int>1</int></value>
</member>
<member>
<name>faultString</name>
<value><string>&lt;class 'OverflowError'&gt;:int exceeds XML-RPC limits</string></value>
</member>
</struct></value>
</fault>
</methodResponse>
)xml"},
};

// Requests the decoder itself must refuse, with the recorded fault 1 text.
const CorpusCase kFaultCases[] = {
    {44, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><boolean>2</boolean></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<class 'TypeError'>:bad boolean value)xml"},
    {45, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><boolean>true</boolean></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<class 'TypeError'>:bad boolean value)xml"},
    {46, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><int>abc</int></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<class 'ValueError'>:invalid literal for int() with base 10: 'abc')xml"},
    {47, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><double>abc</double></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<class 'ValueError'>:could not convert string to float: 'abc')xml"},
    {48, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><foo>1</foo></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<class 'xmlrpc.client.ResponseError'>:ResponseError("unknown tag 'foo'"))xml"},
    {55, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><struct><member><value><int>1</int></value></member></struct></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<class 'IndexError'>:list index out of range)xml"},
    {227, R"xml(<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
</struct></value>
</param>
</params>
)xml",
     R"xml(<class 'Exception'>:method "None" is not supported)xml"},
    {229, R"xml()xml",
     R"xml(<class 'xml.parsers.expat.ExpatError'>:no element found: line 1, column 0)xml"},
    {230, R"xml(garbage)xml",
     R"xml(<class 'xml.parsers.expat.ExpatError'>:syntax error: line 1, column 0)xml"},
    {231,
     R"xml(<?xml version='1.0'?><methodCall><methodName>version</methodName><params><param>)xml",
     R"xml(<class 'xml.parsers.expat.ExpatError'>:no element found: line 1, column 80)xml"},
    {232,
     R"xml(<?xml version='1.0'?><methodCall><params><param><value><struct></struct></value></param></params></methodCall>)xml",
     R"xml(<class 'Exception'>:method "None" is not supported)xml"},
    {234, R"xml(<?xml version='1.0'?><methodResponse><params/></methodResponse>)xml",
     R"xml(<class 'Exception'>:method "None" is not supported)xml"},
    {235, R"xml(<?xml version='1.0'?><foo/>)xml",
     R"xml(<class 'xmlrpc.client.ResponseError'>:ResponseError())xml"},
    {236, R"xml(<?xml version='1.0'?><methodCall><methodName>version</methodCall>)xml",
     R"xml(<class 'xml.parsers.expat.ExpatError'>:mismatched tag: line 1, column 54)xml"},
    {237, R"xml({"method": "version"})xml",
     R"xml(<class 'xml.parsers.expat.ExpatError'>:not well-formed (invalid token): line 1, column 0)xml"},
    {238, R"xml(<html><body>hi</body></html>)xml",
     R"xml(<class 'xmlrpc.client.ResponseError'>:ResponseError())xml"},
    {239, R"xml(<?xml version='1.0'?>
<methodCall><methodName>version</methodName><params><param><value><struct></param></params></methodCall>
)xml",
     R"xml(<class 'xml.parsers.expat.ExpatError'>:mismatched tag: line 2, column 76)xml"},
    {243, R"xml(<?xml version='1.0'?>
<methodCall><methodName>version</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member></struct></value></param></params></methodCall>
junk)xml",
     R"xml(<class 'xml.parsers.expat.ExpatError'>:junk after document element: line 3, column 0)xml"},
    {244, R"xml(<?xml version='1.0'?>
<methodCall><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>message</name><value><string>&nosuch;</string></value></member></struct></value></param></params></methodCall>
)xml",
     R"xml(<class 'xml.parsers.expat.ExpatError'>:undefined entity: line 2, column 267)xml"},
    {246, "\xff\xfe<junk>",
     R"xml(<class 'xml.parsers.expat.ExpatError'>:not well-formed (invalid token): line 1, column 3)xml"},
    {247, R"xml()xml",
     R"xml(<class 'xml.parsers.expat.ExpatError'>:no element found: line 1, column 0)xml"},
};

// Odd but decodable envelopes; what the dispatcher then answers is not the codec's job.
const MethodCase kMethodCases[] = {
    {29, R"xml(<?xml version='1.0'?>
<methodCall>
<methodName>echo</methodName>
<params>
<param>
<value><struct>
<member>
<name>auth</name>
<value><struct>
<member>
<name>authoritative_source</name>
<value><string>nipap</string></value>
</member>
</struct></value>
</member>
<member>
<name>message</name>
<value><string>x</string></value>
</member>
<member>
<name>sleep</name>
<value><string>abc</string></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
)xml",
     "echo", 1},
    {57, R"xml(<?xml version='1.0'?>
<methodCall><methodName>list_asn</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member><member><name>asn</name><value><struct><member><name>asn</name><value><i8>8589934592</i8></value></member></struct></value></member></struct></value></param></params></methodCall>
)xml",
     "list_asn", 1},
    {233, R"xml(<?xml version='1.0'?><methodCall><methodName>version</methodName></methodCall>)xml",
     "version", 0},
    {240,
     R"xml(<?xml version='1.0'?><methodCall><methodName>version</methodName><methodName>echo</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member></struct></value></param></params></methodCall>)xml",
     "echo", 1},
    {241, R"xml(<?xml version='1.0'?>
<methodCall><methodName> version </methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member></struct></value></param></params></methodCall>
)xml",
     " version ", 1},
    {242,
     R"xml(<methodCall><methodName>version</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member></struct></value></param></params></methodCall>
)xml",
     "version", 1},
    {248, R"xml(<?xml version='1.0'?>
<methodCall><methodName>version</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member></struct></value></param></params></methodCall>
)xml",
     "version", 1},
};

XmlRpcCall parse(std::string_view body, std::size_t max_depth = 1024) {
  return parse_xmlrpc_call(body, XmlRpcLimits{max_depth});
}

// The fault text parse() throws, or "" when it succeeds.
std::string parse_fault(std::string_view body, std::size_t max_depth = 1024) {
  try {
    parse(body, max_depth);
  } catch (const NipapError& e) {
    EXPECT_EQ(e.code(), FaultCode::kGeneric);
    return e.what();
  }
  return "";
}

std::string respond(const Value& v) {
  std::string out;
  XmlRpcResponseWriter w(out);
  w.begin_response();
  w.write(v);
  w.end_response();
  return out;
}

// What the frontend sends back for echo: the message member, or nil when absent.
std::string echo_response(std::string_view body) {
  XmlRpcCall call = parse(body);
  EXPECT_EQ(call.method, "echo");
  EXPECT_EQ(call.params.size(), 1u);
  const Value* message = call.params.empty() ? nullptr : call.params[0].find("message");
  return respond(message != nullptr ? *message : Value::nil());
}

// Wraps one XML-RPC value as the only parameter of a call to "m".
std::string call_with(std::string_view value_xml) {
  return "<?xml version='1.0'?><methodCall><methodName>m</methodName><params><param>" +
         std::string(value_xml) + "</param></params></methodCall>";
}

Value decode_one(std::string_view value_xml) {
  XmlRpcCall call = parse(call_with(value_xml));
  EXPECT_EQ(call.params.size(), 1u);
  return call.params.empty() ? Value() : call.params[0];
}

std::string decode_fault(std::string_view value_xml) {
  return parse_fault(call_with(value_xml));
}

// ---------------------------------------------------------------------------------------
// Recorded traffic

TEST(XmlRpcCorpus, EchoRoundTripsByteForByte) {
  for (const auto& c : kEchoCases) {
    SCOPED_TRACE("seq " + std::to_string(c.seq));
    EXPECT_EQ(echo_response(c.body), c.expected);
  }
}

TEST(XmlRpcCorpus, UnencodableIntegerBecomesOverflowFault) {
  for (const auto& c : kOverflowCases) {
    SCOPED_TRACE("seq " + std::to_string(c.seq));
    std::string out;
    XmlRpcCall call = parse(c.body);
    const Value* message = call.params.at(0).find("message");
    ASSERT_NE(message, nullptr);
    try {
      XmlRpcResponseWriter w(out);
      w.begin_response();
      w.write(*message);
      w.end_response();
      ADD_FAILURE() << "no EncodingError";
    } catch (const EncodingError& e) {
      out.clear();
      write_xmlrpc_fault(out, 1, std::string("<class 'OverflowError'>:") + e.what());
    }
    EXPECT_EQ(out, c.expected);
  }
}

TEST(XmlRpcCorpus, DecoderFaultsMatchPython) {
  for (const auto& c : kFaultCases) {
    SCOPED_TRACE("seq " + std::to_string(c.seq));
    EXPECT_EQ(parse_fault(c.body), c.expected);
  }
}

TEST(XmlRpcCorpus, OddEnvelopesDecode) {
  for (const auto& c : kMethodCases) {
    SCOPED_TRACE("seq " + std::to_string(c.seq));
    XmlRpcCall call = parse(c.body);
    EXPECT_EQ(call.method, c.method);
    EXPECT_EQ(call.params.size(), c.params);
  }
}

TEST(XmlRpcCorpus, DecodedValuesOfSpecialCases) {
  auto message = [](int seq) {
    for (const auto& c : kMethodCases)
      if (c.seq == seq) return parse(c.body).params.at(0);
    for (const auto& c : kEchoCases)
      if (c.seq == seq) return *parse(c.body).params.at(0).find("message");
    throw std::logic_error("no such case");
  };
  // seq 57: <i8> beyond 32 bits reaches the method as an integer.
  Value spec = message(57);
  ASSERT_NE(spec.find("asn"), nullptr);
  EXPECT_EQ(*spec.find("asn")->find("asn"), Value::integer(8589934592));
  // seq 29: the decoder hands "sleep" over as it came; the method rejects it.
  Value sleep_call = message(29);
  ASSERT_NE(sleep_call.find("sleep"), nullptr);
  EXPECT_EQ(*sleep_call.find("sleep"), Value::string("abc"));
  // seq 52: a dateTime keeps its text exactly.
  EXPECT_EQ(message(52), Value::datetime("2024-01-02T03:04:05Z"));
  // seq 10: a raw CR LF arrives as LF (XML end-of-line handling).
  EXPECT_EQ(message(10), Value::string("  line1\n\tline2\n  "));
  // seq 24: base64 is decoded to bytes.
  EXPECT_EQ(message(24), Value::binary(std::string("\x00\x01"
                                                   "binary\xff",
                                                   9)));
}

// Known deviation, seq 42: Python decodes <bigdecimal> to decimal.Decimal, which it then
// cannot marshal (fault 1 "cannot marshal <class 'decimal.Decimal'> objects"); Value has no
// decimal type, so it becomes a double and echoes as one.
TEST(XmlRpcCorpus, BigDecimalDecodesAsDouble) {
  EXPECT_EQ(decode_one("<value><bigdecimal>2.5</bigdecimal></value>"), Value::real(2.5));
}

// ---------------------------------------------------------------------------------------
// Decoding beyond the corpus

TEST(XmlRpcDecode, IntegersFollowPythonInt) {
  EXPECT_EQ(decode_one("<value><int> +42 </int></value>"), Value::integer(42));
  EXPECT_EQ(decode_one("<value><i4>1_000</i4></value>"), Value::integer(1000));
  EXPECT_EQ(decode_one("<value><int>007</int></value>"), Value::integer(7));
  EXPECT_EQ(decode_one("<value><int>-0</int></value>"), Value::integer(0));
  EXPECT_EQ(decode_one("<value><i8>9223372036854775807</i8></value>"),
            Value::integer(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(decode_one("<value><i8>-9223372036854775808</i8></value>"),
            Value::integer(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(decode_one("<value><i8>9223372036854775808</i8></value>"),
            Value::big_integer("9223372036854775808"));
  EXPECT_EQ(
      decode_one("<value><biginteger>-000123456789012345678901234567890</biginteger></value>"),
      Value::big_integer("-123456789012345678901234567890"));
  EXPECT_EQ(decode_one("<value><i2>\xC2\xA0"
                       "5</i2></value>"),
            Value::integer(5));  // NBSP
  EXPECT_EQ(decode_fault("<value><i8>abc</i8></value>"),
            "<class 'ValueError'>:invalid literal for int() with base 10: 'abc'");
  EXPECT_EQ(decode_fault("<value><int>1__0</int></value>"),
            "<class 'ValueError'>:invalid literal for int() with base 10: '1__0'");
  EXPECT_EQ(decode_fault("<value><int>it's</int></value>"),
            "<class 'ValueError'>:invalid literal for int() with base 10: \"it's\"");
  EXPECT_EQ(decode_fault("<value><int></int></value>"),
            "<class 'ValueError'>:invalid literal for int() with base 10: ''");
  EXPECT_EQ(decode_fault("<value><int>a\tb\xC3\xA4\xC2\x85</int></value>"),
            "<class 'ValueError'>:invalid literal for int() with base 10: "
            "'a\\tb\xC3\xA4\\x85'");
  std::string long_junk(300, 'x');
  EXPECT_EQ(
      decode_fault("<value><int>" + long_junk + "</int></value>"),
      "<class 'ValueError'>:invalid literal for int() with base 10: '" + std::string(199, 'x'));
  EXPECT_EQ(decode_fault("<value><int>" + std::string(4301, '7') + "</int></value>"),
            "<class 'ValueError'>:Exceeds the limit (4300 digits) for integer string "
            "conversion: value has 4301 digits; use sys.set_int_max_str_digits() to increase "
            "the limit");
}

TEST(XmlRpcDecode, DoublesFollowPythonFloat) {
  EXPECT_EQ(decode_one("<value><double>0.30000000000000004</double></value>"),
            Value::real(0.30000000000000004));
  EXPECT_EQ(decode_one("<value><double>123456789012345678901234567890.5</double></value>"),
            Value::real(123456789012345678901234567890.5));
  EXPECT_EQ(decode_one("<value><double> 1_0.2_5 </double></value>"), Value::real(10.25));
  EXPECT_EQ(decode_one("<value><float>.5</float></value>"), Value::real(0.5));
  EXPECT_EQ(decode_one("<value><double>1.</double></value>"), Value::real(1.0));
  EXPECT_EQ(decode_one("<value><double>-1E-3</double></value>"), Value::real(-0.001));
  EXPECT_EQ(decode_one("<value><double>1e400</double></value>"),
            Value::real(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(decode_one("<value><double>-1e-400</double></value>"), Value::real(-0.0));
  EXPECT_EQ(decode_one("<value><double>5e-324</double></value>"), Value::real(5e-324));
  EXPECT_EQ(decode_one("<value><double>2.4e-324</double></value>"), Value::real(0.0));
  EXPECT_EQ(decode_one("<value><double>1.7976931348623159e308</double></value>"),
            Value::real(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(decode_one("<value><double>-Infinity</double></value>"),
            Value::real(-std::numeric_limits<double>::infinity()));
  EXPECT_TRUE(std::isnan(decode_one("<value><double>nan</double></value>").as_double()));
  for (const char* bad : {"0x1p3", "1_", "_1", "1._5", "1e", ".", "", "nan(1)", "1,5"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(decode_fault(std::string("<value><double>") + bad + "</double></value>"),
              std::string("<class 'ValueError'>:could not convert string to float: '") + bad + "'");
  }
  EXPECT_EQ(decode_fault("<value><bigdecimal>x</bigdecimal></value>"),
            "<class 'decimal.InvalidOperation'>:[<class 'decimal.ConversionSyntax'>]");
}

TEST(XmlRpcDecode, ScalarsAndNil) {
  EXPECT_EQ(decode_one("<value><boolean>1</boolean></value>"), Value::boolean(true));
  EXPECT_EQ(decode_fault("<value><boolean> 1</boolean></value>"),
            "<class 'TypeError'>:bad boolean value");
  EXPECT_EQ(decode_one("<value><nil/></value>"), Value::nil());
  EXPECT_EQ(decode_one("<value><foo:nil xmlns:foo='x'/></value>"), Value::nil());
  EXPECT_EQ(decode_one("<value><x:string xmlns:x='x'>s</x:string></value>"), Value::string("s"));
  EXPECT_EQ(decode_one("<value>  </value>"), Value::string("  "));
  EXPECT_EQ(decode_one("<value><string>a<![CDATA[<&>]]><!-- c -->b</string></value>"),
            Value::string("a<&>b"));
  // A character reference for CR survives (xmlrpc-c alone would turn it into LF).
  EXPECT_EQ(decode_one("<value><string>a&#13;b</string></value>"), Value::string("a\rb"));
  EXPECT_EQ(decode_one("<value><dateTime.iso8601> 20240102T03:04:05 </dateTime.iso8601></value>"),
            Value::datetime("20240102T03:04:05"));
  EXPECT_EQ(decode_one("<value><dateTime.iso8601>whenever</dateTime.iso8601></value>"),
            Value::datetime("whenever"));
}

TEST(XmlRpcDecode, Base64FollowsPythonBinascii) {
  EXPECT_EQ(decode_one("<value><base64>aGVs\nbG8=</base64></value>"), Value::binary("hello"));
  // Padding ends the data; characters outside the alphabet are skipped.
  EXPECT_EQ(decode_one("<value><base64>aGVsbG8=aGVsbG8=</base64></value>"), Value::binary("hello"));
  EXPECT_EQ(decode_one("<value><base64>aG!Vs*bG8=</base64></value>"), Value::binary("hello"));
  EXPECT_EQ(decode_one("<value><base64></base64></value>"), Value::binary(""));
  EXPECT_EQ(decode_fault("<value><base64>abc</base64></value>"),
            "<class 'binascii.Error'>:Incorrect padding");
  EXPECT_EQ(decode_fault("<value><base64>aGVsbG8xa</base64></value>"),
            "<class 'binascii.Error'>:Invalid base64-encoded string: number of data characters "
            "(9) cannot be 1 more than a multiple of 4");
  EXPECT_EQ(decode_fault("<value><base64>ab\xC3\xA4</base64></value>"),
            "<class 'UnicodeEncodeError'>:'ascii' codec can't encode character '\\xe4' in "
            "position 2: ordinal not in range(128)");
  EXPECT_EQ(decode_fault("<value><base64>\xE2\x98\x83\xE2\x98\x83x</base64></value>"),
            "<class 'UnicodeEncodeError'>:'ascii' codec can't encode characters in position "
            "0-1: ordinal not in range(128)");
}

TEST(XmlRpcDecode, StructsAndArraysFollowPythonStackMachine) {
  Value v = decode_one(
      "<value><struct><member><name>a</name><value><int>1</int></value></member>"
      "<member><name>a</name><value><int>2</int></value></member></struct></value>");
  EXPECT_EQ(v, Value::structure({{"a", Value::integer(2)}}));  // last duplicate wins
  // Python pairs the items in document order, whatever the element names.
  v = decode_one("<value><struct><member><value>v</value><name>k</name></member></struct></value>");
  EXPECT_EQ(v, Value::structure({{"v", Value::string("k")}}));
  EXPECT_EQ(decode_fault("<value><struct><member><value><array><data/></array></value>"
                         "<name>k</name></member></struct></value>"),
            "<class 'TypeError'>:unhashable type: 'list'");
  EXPECT_EQ(decode_fault("<value><struct><member><name>k</name></member></struct></value>"),
            "<class 'IndexError'>:list index out of range");
  EXPECT_EQ(decode_fault("<value><data/></value>"),
            "<class 'xmlrpc.client.ResponseError'>:ResponseError(\"unknown tag 'data'\")");
  // Large structs skip xmlrpc-c (quadratic there) but decode the same.
  std::string members;
  for (int i = 0; i < 1000; ++i)
    members += "<member><name>k" + std::to_string(i) + "</name><value><int>" + std::to_string(i) +
               "</int></value></member>";
  v = decode_one("<value><struct>" + members + "</struct></value>");
  ASSERT_EQ(v.as_struct().size(), 1000u);
  EXPECT_EQ(*v.find("k999"), Value::integer(999));
  // Values outside <param> still count, like Python's flat value stack.
  XmlRpcCall call = parse(
      "<methodCall><methodName>m</methodName><params><value>a</value><value>b</value>"
      "</params></methodCall>");
  EXPECT_EQ(call.params, (std::vector<Value>{Value::string("a"), Value::string("b")}));
}

TEST(XmlRpcDecode, EncodingsAndDeclarations) {
  std::u16string text = u"\uFEFF<methodCall><methodName>m\u00E4</methodName><params/></methodCall>";
  std::string utf16le;
  for (char16_t c : text) {
    utf16le += static_cast<char>(c & 0xFF);
    utf16le += static_cast<char>(c >> 8);
  }
  EXPECT_EQ(parse(utf16le).method, "m\xC3\xA4");
  EXPECT_EQ(parse("<?xml version='1.0'?><!DOCTYPE methodCall><methodCall><methodName>m"
                  "</methodName></methodCall>")
                .method,
            "m");
  // Posting a fault: Python raises it and the dispatcher answers with it.
  try {
    parse(
        "<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>"
        "1100</int></value></member><member><name>faultString</name><value>x</value>"
        "</member></struct></value></fault></methodResponse>");
    ADD_FAILURE() << "no fault";
  } catch (const NipapError& e) {
    EXPECT_EQ(e.code(), FaultCode::kInput);
    EXPECT_STREQ(e.what(), "x");
  }
}

// ---------------------------------------------------------------------------------------
// Hostile input

TEST(XmlRpcHostile, DeepNestingHitsTheLimitNotTheStack) {
  const std::string limit_error =
      "request nesting exceeds the configured limit of 1024 (limits.max_nesting)";
  std::string arrays, structs, elements;
  for (int i = 0; i < 10000; ++i) arrays += "<value><array><data>";
  for (int i = 0; i < 10000; ++i) arrays += "</data></array></value>";
  EXPECT_EQ(parse_fault(call_with(arrays)), limit_error);
  for (int i = 0; i < 10000; ++i) structs += "<value><struct><member><name>k</name>";
  EXPECT_EQ(parse_fault(call_with(structs)), limit_error);  // the limit comes before EOF
  for (int i = 0; i < 200000; ++i) elements += "<a>";
  EXPECT_EQ(parse_fault("<methodCall>" + elements), limit_error);

  auto nested = [](int levels) {
    std::string s;
    for (int i = 0; i < levels; ++i) s += "<value><array><data>";
    for (int i = 0; i < levels; ++i) s += "</data></array></value>";
    return call_with(s);
  };
  EXPECT_EQ(parse_fault(nested(3), 3), "");
  EXPECT_EQ(parse_fault(nested(4), 3),
            "request nesting exceeds the configured limit of 3 (limits.max_nesting)");
  EXPECT_EQ(parse_fault(nested(1024)), "");  // deeper than xmlrpc-c's own limit of 64
}

TEST(XmlRpcHostile, EntityDeclarationsAreRefused) {
  const char* laughs = R"(<?xml version="1.0"?>
<!DOCTYPE m [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<methodCall><methodName>m</methodName><params><param><value>&c;</value></param></params></methodCall>)";
  EXPECT_EQ(parse_fault(laughs),
            "<class 'xml.parsers.expat.ExpatError'>:entity declarations are not supported: "
            "line 3, column 12");
  EXPECT_EQ(parse_fault("<!DOCTYPE m [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
                        "<methodCall><methodName>&e;</methodName></methodCall>"),
            "<class 'xml.parsers.expat.ExpatError'>:entity declarations are not supported: "
            "line 1, column 51");
}

TEST(XmlRpcHostile, InvalidCharactersAndBytes) {
  EXPECT_EQ(parse_fault(std::string("<methodCall>\0</methodCall>", 26)),
            "<class 'xml.parsers.expat.ExpatError'>:not well-formed (invalid token): line 1, "
            "column 12");
  EXPECT_EQ(decode_fault("<value><string>&#0;</string></value>"),
            "<class 'xml.parsers.expat.ExpatError'>:reference to invalid character number: "
            "line 1, column 89");
  EXPECT_EQ(decode_fault("<value><string>\xED\xA0\x80</string></value>"),
            "<class 'xml.parsers.expat.ExpatError'>:not well-formed (invalid token): line 1, "
            "column 89");
}

TEST(XmlRpcHostile, RandomBytesNeverCrash) {
  std::mt19937 rng(12345);
  const std::string_view alphabet = "<>/=\"'&#;:![]-? abcdeilmnorstuvxATCDN019\n\t\xC3\xA4\xFF";
  for (int round = 0; round < 3000; ++round) {
    std::string body;
    std::size_t len = rng() % 400;
    for (std::size_t i = 0; i < len; ++i)
      body += round % 2 ? static_cast<char>(rng()) : alphabet[rng() % alphabet.size()];
    try {
      parse(body);
    } catch (const NipapError& e) {
      EXPECT_EQ(e.code(), FaultCode::kGeneric);
    }
  }
}

TEST(XmlRpcHostile, MutatedCorpusBodiesNeverCrash) {
  std::mt19937 rng(54321);
  for (int round = 0; round < 3000; ++round) {
    std::string body(kEchoCases[rng() % std::size(kEchoCases)].body);
    for (int edits = 1 + static_cast<int>(rng() % 4); edits > 0; --edits) {
      std::size_t pos = body.empty() ? 0 : rng() % body.size();
      switch (rng() % 3) {
        case 0:
          if (!body.empty()) body[pos] = static_cast<char>(rng());
          break;
        case 1:
          body.erase(pos, rng() % 12);
          break;
        default:
          body.insert(pos, body.substr(rng() % (body.size() + 1), rng() % 40));
          break;
      }
    }
    try {
      parse(body);
    } catch (const NipapError& e) {
      EXPECT_EQ(e.code(), FaultCode::kGeneric);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Writing

TEST(XmlRpcWrite, EscapesOnlyMarkupCharacters) {
  EXPECT_EQ(respond(Value::string("<a href=\"x\">&amp; 'q' ]]></a>")),
            "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><string>&lt;a "
            "href=\"x\"&gt;&amp;amp; 'q' ]]&gt;&lt;/a&gt;</string></value>\n</param>\n</params>\n"
            "</methodResponse>\n");
}

TEST(XmlRpcWrite, KeepsOutputWellFormed) {
  std::string out;
  XmlRpcResponseWriter w(out);
  const char head[] = "tab\tnl\ncr\r ctl\x01\x1f nul";
  w.write_string(
      std::string(head, sizeof head - 1) + std::string(1, '\0') +
      " bad\xFF\xC3 ok\xC3\xA4\xF0\x9F\x98\x80 nonchar\xEF\xBF\xBE surrogate\xED\xA0\x80");
  EXPECT_EQ(out,
            "<value><string>tab\tnl\ncr\r ctl\xEF\xBF\xBD\xEF\xBF\xBD nul\xEF\xBF\xBD "
            "bad\xEF\xBF\xBD\xEF\xBF\xBD ok\xC3\xA4\xF0\x9F\x98\x80 nonchar\xEF\xBF\xBD "
            "surrogate\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD</string></value>\n");
}

TEST(XmlRpcWrite, RandomTextAlwaysGivesWellFormedXml) {
  std::mt19937 rng(777);
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    for (std::size_t i = rng() % 64; i > 0; --i) text += static_cast<char>(rng());
    Value v =
        Value::structure({{text, Value::array({Value::string(text), Value::datetime(text)})}});
    // The body is a methodResponse, so decoding it as a call can only fail past the XML.
    std::string fault = parse_fault(respond(v));
    EXPECT_EQ(fault, "<class 'Exception'>:method \"None\" is not supported");
  }
}

TEST(XmlRpcWrite, NestedValuesUsePythonLayout) {
  std::string out;
  XmlRpcResponseWriter w(out);
  w.begin_response();
  w.begin_struct();
  w.write_key("a&b");
  w.begin_array();
  w.write_int(-2147483648);
  w.write_nil();
  w.write_bool(false);
  w.begin_struct();
  w.end_struct();
  w.end_array();
  w.write_key("n");
  w.write_nil();
  w.write_key("t");
  w.write_datetime("20240102T03:04:05");
  w.end_struct();
  w.end_response();
  EXPECT_EQ(out,
            "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n"
            "<member>\n<name>a&amp;b</name>\n<value><array><data>\n"
            "<value><int>-2147483648</int></value>\n<value><nil/></value>"
            "<value><boolean>0</boolean></value>\n<value><struct>\n</struct></value>\n"
            "</data></array></value>\n</member>\n"
            "<member>\n<name>n</name>\n<value><nil/></value></member>\n"
            "<member>\n<name>t</name>\n<value><dateTime.iso8601>20240102T03:04:05"
            "</dateTime.iso8601></value>\n</member>\n"
            "</struct></value>\n</param>\n</params>\n</methodResponse>\n");
  EXPECT_THROW(w.write_key("x"), std::logic_error);
}

TEST(XmlRpcWrite, IntegersOutside32BitsThrow) {
  std::string out;
  XmlRpcResponseWriter w(out);
  EXPECT_NO_THROW(w.write_int(2147483647));
  EXPECT_THROW(w.write_int(2147483648), EncodingError);
  EXPECT_THROW(w.write_int(-2147483649), EncodingError);
  EXPECT_THROW(w.write(Value::big_integer("99999999999999999999")), EncodingError);
  EXPECT_EQ(out, "<value><int>2147483647</int></value>\n");
}

TEST(XmlRpcWrite, DoublesPrintLikePythonRepr) {
  const std::pair<double, const char*> cases[] = {
      {1.5, "1.5"},
      {-0.25, "-0.25"},
      {3.0, "3.0"},
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {0.1, "0.1"},
      {0.30000000000000004, "0.30000000000000004"},
      {1e100, "1e+100"},
      {1e16, "1e+16"},
      {1e15, "1000000000000000.0"},
      {123456789012345678.0, "1.2345678901234568e+17"},
      {0.0001, "0.0001"},
      {0.00001, "1e-05"},
      {1.5e-7, "1.5e-07"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {std::numeric_limits<double>::infinity(), "inf"},
      {-std::numeric_limits<double>::infinity(), "-inf"},
      {std::numeric_limits<double>::quiet_NaN(), "nan"},
  };
  for (const auto& [d, text] : cases) {
    std::string out;
    XmlRpcResponseWriter(out).write_double(d);
    EXPECT_EQ(out, std::string("<value><double>") + text + "</double></value>\n");
  }
}

TEST(XmlRpcWrite, Base64LikeEncodebytes) {
  auto b64 = [](std::string_view bytes) {
    std::string out;
    XmlRpcResponseWriter(out).write_binary(bytes);
    return out;
  };
  EXPECT_EQ(b64(""), "<value><base64>\n</base64></value>\n");
  EXPECT_EQ(b64("hello"), "<value><base64>\naGVsbG8=\n</base64></value>\n");
  std::string line;  // 57 bytes make exactly one 76-character line
  for (int i = 0; i < 19; ++i) line += "eHh4";
  EXPECT_EQ(b64(std::string(57, 'x')), "<value><base64>\n" + line + "\n</base64></value>\n");
  EXPECT_EQ(b64(std::string(58, 'x')), "<value><base64>\n" + line + "\neA==\n</base64></value>\n");
}

TEST(XmlRpcWrite, FaultBytes) {
  std::string out = "keep:";
  write_xmlrpc_fault(out, 1, "<class 'Exception'>:method \"x\" is not supported");
  EXPECT_EQ(out,
            "keep:<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n"
            "<name>faultCode</name>\n<value><int>1</int></value>\n</member>\n<member>\n"
            "<name>faultString</name>\n<value><string>&lt;class 'Exception'&gt;:method \"x\" is "
            "not supported</string></value>\n</member>\n</struct></value>\n</fault>\n"
            "</methodResponse>\n");
}

// ---------------------------------------------------------------------------------------
// Value

TEST(ValueTest, PythonTypeNames) {
  EXPECT_EQ(Value::nil().python_type_name(), "NoneType");
  EXPECT_EQ(Value::boolean(true).python_type_name(), "bool");
  EXPECT_EQ(Value::integer(1).python_type_name(), "int");
  EXPECT_EQ(Value::big_integer("99999999999999999999").python_type_name(), "int");
  EXPECT_EQ(Value::real(1).python_type_name(), "float");
  EXPECT_EQ(Value::string("").python_type_name(), "str");
  EXPECT_EQ(Value::datetime("x").python_type_name(), "DateTime");
  EXPECT_EQ(Value::binary("").python_type_name(), "Binary");
  EXPECT_EQ(Value::array().python_type_name(), "list");
  EXPECT_EQ(Value::structure().python_type_name(), "dict");
}

TEST(ValueTest, TruthinessAndLookup) {
  EXPECT_FALSE(Value::nil().truthy());
  EXPECT_FALSE(Value::boolean(false).truthy());
  EXPECT_FALSE(Value::integer(0).truthy());
  EXPECT_FALSE(Value::real(0.0).truthy());
  EXPECT_FALSE(Value::string("").truthy());
  EXPECT_FALSE(Value::array().truthy());
  EXPECT_FALSE(Value::structure().truthy());
  EXPECT_TRUE(Value::integer(-1).truthy());
  EXPECT_TRUE(Value::real(std::nan("")).truthy());
  EXPECT_TRUE(Value::big_integer("-99999999999999999999").truthy());
  EXPECT_TRUE(Value::binary("").truthy());  // Binary has no __len__ in Python
  EXPECT_TRUE(Value::datetime("").truthy());
  Value s = Value::structure({{"a", Value::integer(1)}});
  ASSERT_NE(s.find("a"), nullptr);
  EXPECT_EQ(*s.find("a"), Value::integer(1));
  EXPECT_EQ(s.find("b"), nullptr);
  EXPECT_EQ(Value::array({s}).find("a"), nullptr);
  EXPECT_NE(Value::integer(1), Value::boolean(true));
  EXPECT_NE(Value::string("1"), Value::datetime("1"));
  EXPECT_EQ(Value::array({Value::nil(), s}), Value::array({Value::nil(), s}));
}

}  // namespace
}  // namespace prefixd::api

namespace prefixd::api {
namespace {

// issue 11 item 3: limits.max_values bounds the decoded tree of a call.
TEST(XmlRpcLimits, ValueCountIsLimited) {
  const std::string head = "<?xml version='1.0'?><methodCall><methodName>echo</methodName><params>";
  auto body = [&](int n) {
    std::string b = head + "<param><value><array><data>";
    for (int i = 0; i < n; ++i) b += "<value/>";
    return b + "</data></array></value></param></params></methodCall>";
  };
  XmlRpcLimits limits{64, 6};
  EXPECT_NO_THROW(parse_xmlrpc_call(body(5), limits));  // the array and five values
  try {
    parse_xmlrpc_call(body(6), limits);
    FAIL() << "no fault";
  } catch (const NipapError& e) {
    EXPECT_EQ(e.code(), FaultCode::kGeneric);
    EXPECT_NE(std::string(e.what()).find("limits.max_values"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace prefixd::api
